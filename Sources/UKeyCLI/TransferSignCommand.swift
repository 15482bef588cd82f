import UKeyArguments
import UKeyBank
import ArgumentParser
import Foundation
import UKey

/// `ukey transfer sign [CHALLENGE.json | --challenge HEX <transfer>]`: the token shows the
/// transfer; once the holder presses OK it signs, and the SignedTransfer JSON is written.
struct TransferSignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Show a transfer on the token and, once the holder presses OK, write the signed transfer (JSON).",
        discussion: """
            Examples:
              ukey transfer sign challenge.json --out signed.json
              ukey transfer sign --challenge 0011…EEFF --payee-account 6222020200112233 \\
                --payee-name "Li Si" --amount 10.00
            """)

    @Argument(help: "The challenge record from `ukey transfer challenge --out` (`-` for standard input).")
    var challengeFile: String?

    @Option(help: "The bank's challenge in hex (with the transfer as flags or --transfer).")
    var challenge: String?

    @OptionGroup var transfer: TransferOptions

    @Option(help: "Write the signed transfer here instead of standard output.", transform: AbsolutePath.file)
    var out: String?

    @Option(name: .customLong("state"),
            help: "The state directory of the emulator serving the token (default: UKEY_STATE, if set): Ctrl-C then ends the confirmation on the token.")
    var stateDirectory: String?

    @OptionGroup var options: CommonOptions
    @OptionGroup var pin: PINOptions

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let (intended, bytes) = try request()
            let output = try Files.reserve(out)
            try await ReaderAccess.withToken(options, pin: pin) { found in
                let state = ConfirmationInterrupt.stateDirectory(stateDirectory)
                let serial = state == nil ? nil : try? await found.token.info().serial
                let interrupt = ConfirmationInterrupt(stateDirectory: state, serial: serial)
                defer { interrupt.end() }
                Output.note("Check the transfer on the token's screen and press OK to sign (Cancel refuses).")
                let signed = try await found.token.confirmTransfer(intended, challenge: bytes)
                let text = try Output.jsonText(signed)
                if let output {
                    try output.commit(text + "\n")
                    if options.json {
                        print(text)
                    } else {
                        print("signed transfer (counter \(signed.counter)) written to \(output.path)")
                    }
                } else {
                    print(text)
                }
            }
        }
    }

    /// The transfer and challenge: from the bank's record, or from flags.
    func request() throws -> (Transfer, [UInt8]) {
        if let challengeFile {
            guard challenge == nil, !transfer.isGiven else {
                throw CLIError("usage", "give either a challenge record or --challenge with the transfer, not both")
            }
            do {
                let issued = try JSONDecoder.bank.decode(IssuedChallenge.self, from: try Files.read(challengeFile))
                return (issued.transfer, issued.challenge)
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError("badChallenge", "\(challengeFile) is not a challenge record: \(ErrorText.describe(error))")
            }
        }
        guard let challenge, let bytes = [UInt8](hex: challenge) else {
            throw CLIError("usage", "give a challenge record (from `ukey transfer challenge --out`) or --challenge HEX")
        }
        return (try transfer.read(), bytes)
    }
}

extension JSONDecoder {
    /// Decodes what `ukey transfer challenge` writes (dates in ISO 8601 when the type says so).
    static var bank: JSONDecoder { JSONDecoder() }
}
