import ArgumentParser
import Foundation
import UKey
import UKeyArguments

/// `ukey piv generate --slot 9a --algorithm rsa2048 [--out pub.pem]`: a key pair made on the
/// card after 9B mutual authentication; the public key is printed (or written) as PEM.
struct PIVGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a key pair in a slot (needs the management key); replaces the key, clears the certificate.",
        discussion: """
            Keep the public key: PIV returns it only now (the CSR needs it). Use RSA-2048 for TLS: \
            OpenSSL 3 refuses RSA-1024.

            Example: ukey piv generate --slot 9a --algorithm rsa2048 --out 9a.pub --management-key-fd 3 3<mgm.hex
            """)

    @OptionGroup var slot: PIVSlotOptions

    @Option(help: "The key: rsa2048 (what TLS accepts) or rsa1024.")
    var algorithm: KeyAlgorithm = .rsa2048

    @Option(help: "Write the public key (PEM) here instead of standard output.", transform: AbsolutePath.file)
    var out: String?

    @OptionGroup var options: CommonOptions
    @OptionGroup var managementKey: ManagementKeyOptions

    struct Result: Encodable {
        let reader: String
        let slot: String
        let bits: Int
        let publicKey: String
    }

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let output = try Files.reserve(out)
            let key = try managementKey.read()
            try await ReaderAccess.withPIV(options) { reader, piv in
                let publicKey = try await piv.generate(slot: slot.slot, algorithm: algorithm, managementKey: key)
                let pem = try publicKey.pem()
                try output?.commit(pem)
                let result = Result(reader: reader, slot: slot.slot.hex, bits: publicKey.bitCount, publicKey: out ?? pem)
                try Output.emit(result, json: options.json) { result in
                    out == nil ? pem.trimmingCharacters(in: .newlines)
                        : "generated \(algorithm.rawValue) in slot \(result.slot); public key written to \(result.publicKey)"
                }
            }
        }
    }
}

/// `ukey piv csr --slot 9a --subject S --public-key pub.pem [--out FILE]`: a PKCS#10 request
/// built here and signed by the slot's key, checked against the public key before it is written.
struct PIVCSRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csr",
        abstract: "Make a certificate request (PEM) signed by a slot's key.",
        discussion: """
            --public-key is the key `ukey piv generate` printed; the request is refused if the slot's \
            key does not match it. Needs the PIV PIN (except slot 9e).

            Example: ukey piv csr --slot 9a --subject "CN=Zhang San, O=UKey Test Bank" --public-key 9a.pub --out 9a.csr
            """)

    @OptionGroup var slot: PIVSlotOptions

    @Option(help: "The subject, CN=…, O=….")
    var subject: String

    @Option(help: "The slot's public key (PEM or DER SubjectPublicKeyInfo), as generate wrote it.", transform: AbsolutePath.file)
    var publicKey: String

    @Option(help: "Write the request here instead of standard output.", transform: AbsolutePath.file)
    var out: String?

    @OptionGroup var options: CommonOptions
    @OptionGroup var pin: PIVPINOptions

    struct Result: Encodable {
        let reader: String
        let slot: String
        let subject: String
        let request: String
    }

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let key = try Files.publicKey(publicKey)
            let output = try Files.reserve(out)
            let secret = slot.slot.needsPIN ? try pin.read() : nil
            try await ReaderAccess.withPIV(options) { reader, piv in
                let request = try await piv.certificateSigningRequest(slot: slot.slot, subject: subject, publicKey: key, pin: secret)
                let pem = try request.pem()
                try output?.commit(pem)
                let result = Result(reader: reader, slot: slot.slot.hex, subject: request.subject, request: out ?? pem)
                try Output.emit(result, json: options.json) { result in
                    out == nil ? pem.trimmingCharacters(in: .newlines) : "request for \"\(result.subject)\" written to \(result.request)"
                }
            }
        }
    }
}
