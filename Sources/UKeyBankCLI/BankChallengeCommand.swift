import ArgumentParser
import Foundation
import ISO7816
import UKey
import UKeyBank

/// `ukey-bank challenge --bank DIR [--database URL] <transfer>`: as `ukey transfer challenge`.
struct BankChallengeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "challenge",
        abstract: "Issue a single-use challenge for an intended transfer.",
        discussion: "Prints the challenge in hex; --out (or --json) gives the whole record, which `ukey transfer sign` reads.")

    @OptionGroup var bank: BankOptions

    @Option(help: "A JSON file with the transfer (payeeAccount, payeeName, amount, currency, reference).", transform: BankOptions.absolute)
    var transfer: String?

    @Option(help: "The payee's account (1–34 characters).")
    var payeeAccount: String?

    @Option(help: "The payee's name (1–64 characters).")
    var payeeName: String?

    @Option(help: "The amount, e.g. 1234.56.")
    var amount: String?

    @Option(help: "The currency, three capitals (ISO 4217).")
    var currency = "CNY"

    @Option(help: "A reference for the payee (0–64 characters).")
    var reference: String?

    @Option(help: "Bind the challenge to this token serial (hex).")
    var tokenSerial: String?

    @Option(help: "Count the daily limit against this account holder instead of the token.")
    var accountHolder: String?

    @Option(help: "Write the challenge record (JSON) here.", transform: BankOptions.absolute)
    var out: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func intended() throws -> Transfer {
        if let transfer {
            guard payeeAccount == nil, payeeName == nil, amount == nil else {
                throw BankCommandError("give the transfer either as --transfer FILE or as flags, not both")
            }
            do {
                return try JSONDecoder().decode(Transfer.self, from: try BankFiles.read(transfer))
            } catch let error as BankCommandError {
                throw error
            } catch {
                throw BankCommandError("\(transfer) is not a transfer")
            }
        }
        guard let payeeAccount, let payeeName, let amount else {
            throw BankCommandError("a transfer needs --payee-account, --payee-name and --amount (or --transfer FILE)")
        }
        return Transfer(payeeAccount: payeeAccount, payeeName: payeeName, amount: amount, currency: currency, reference: reference)
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
