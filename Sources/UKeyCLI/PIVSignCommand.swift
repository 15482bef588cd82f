import ArgumentParser
import Foundation
import UKey
import UKeyArguments

/// `ukey piv sign --slot 9a [--digest HEX | FILE]`: RSA PKCS#1 v1.5 by a PIV slot's key — the
/// padding built here, raw RSA on the card, the result verified with the slot's public key.
struct PIVSignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign data (hashed with SHA-256 here) or a digest with a PIV slot's key (RSA PKCS#1 v1.5).",
        discussion: """
            The slot's public key comes from its certificate, or from --public-key before one is stored. \\
            Needs the PIV PIN (except slot 9e). These signatures are for TLS and the like: the bank \\
            never accepts them for a transfer.

            Example: ukey piv sign --slot 9a contract.pdf --out contract.sig --pin-fd 3 3<piv-pin.txt
            """)

    @OptionGroup var slot: PIVSlotOptions

    @OptionGroup var input: DigestInput

    @Option(help: "The slot's public key (PEM or DER), when the slot holds no certificate yet.", transform: AbsolutePath.file)
    var publicKey: String?

    @Option(help: "Write the raw signature here; standard output gets it in hex.", transform: AbsolutePath.file)
    var out: String?

    @OptionGroup var options: CommonOptions
    @OptionGroup var pin: PIVPINOptions

    struct Result: Encodable {
        let reader: String
        let slot: String
        let algorithm: String
        let digest: String
        let signature: String
    }

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let hash = try input.hash()
            let algorithm = input.algorithm
            let key = try publicKey.map(Files.publicKey)
            let output = try Files.reserve(out)
            let secret = slot.slot.needsPIN ? try pin.read() : nil
            try await ReaderAccess.withPIV(options) { reader, piv in
                let signature = try await piv.sign(digest: hash, algorithm: algorithm, slot: slot.slot, pin: secret, publicKey: key)
                try output?.commit(Data(signature))
                let result = Result(reader: reader, slot: slot.slot.hex, algorithm: algorithm.rawValue, digest: hash.hexString,
                                    signature: signature.hexString)
                try Output.emit(result, json: options.json) { $0.signature }
            }
        }
    }
}
