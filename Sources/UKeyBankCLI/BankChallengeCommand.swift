import ArgumentParser
import Foundation
import ISO7816
import UKey
import UKeyArguments
import UKeyBank

/// `ukey-bank challenge --bank DIR [--database URL] <transfer>`: as `ukey transfer challenge`.
struct BankChallengeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "challenge",
        abstract: "Issue a single-use challenge for an intended transfer.",
        discussion: "Prints the challenge in hex; --out (or --json) gives the whole record, which `ukey transfer sign` reads.")

    @OptionGroup var bank: BankOptions

    @OptionGroup var transfer: TransferOptions

    @Option(help: "Bind the challenge to this token serial (hex).")
    var tokenSerial: String?

    @Option(help: "Count the daily limit against this account holder instead of the token.")
    var accountHolder: String?

    @Option(help: "Write the challenge record (JSON) here.", transform: AbsolutePath.file)
    var out: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func intended() throws -> Transfer {
        do {
            return try transfer.read(file: BankFiles.read)
        } catch TransferOptionsError.usage(let message) {
            throw BankCommandError(message)
        } catch TransferOptionsError.notATransfer(let path, _) {
            throw BankCommandError("\(path) is not a transfer")
        }
    }

    func run() async throws {
        let serial = try tokenSerial.map { text -> [UInt8] in
            guard let bytes = [UInt8](hex: text) else { throw BankCommandError("--token-serial is not hex") }
            return bytes
        }
        let issued = try bank.verifier().issueChallenge(for: try intended(), tokenSerial: serial, accountHolder: accountHolder)
        let record = try BankFiles.json(issued)
        try BankFiles.write(record + "\n", to: out)
        print(json ? record : issued.challenge.hexString)
    }
}
