import UKeyArguments
import UKeyBank
import ArgumentParser
import Foundation
import UKey

/// `ukey transfer challenge --bank DIR <transfer>`: the bank records a single-use challenge for
/// the transfer it intends.
struct TransferChallengeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "challenge",
        abstract: "Issue a single-use challenge for an intended transfer (the bank's side).",
        discussion: "Prints the challenge in hex; --out (or --json) gives the whole record, which `ukey transfer sign` reads.")

    @Option(help: "The bank's directory (ca-cert.pem, policy.json, bank.sqlite).", transform: AbsolutePath.file)
    var bank: String

    @OptionGroup var transfer: TransferOptions

    @Option(help: "Bind the challenge to this token serial (hex).")
    var tokenSerial: String?

    @Option(help: "Count the daily limit against this account holder instead of the token.")
    var accountHolder: String?

    @Option(help: "Write the challenge record (JSON) here.", transform: AbsolutePath.file)
    var out: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    mutating func run() async throws {
        try await Output.run(json: json) {
            let serial = try tokenSerial.map { text -> [UInt8] in
                guard let bytes = [UInt8](hex: text) else { throw CLIError("badHex", "--token-serial is not hex") }
                return bytes
            }
            let verifier = try TransferVerifier(directory: URL(fileURLWithPath: bank))
            let issued = try verifier.issueChallenge(for: try transfer.read(), tokenSerial: serial, accountHolder: accountHolder)
            try Files.write(try Output.jsonText(issued) + "\n", to: out)
            try Output.emit(issued, json: json) { $0.challenge.hexString }
        }
    }
}
