import ArgumentParser
import Foundation
import UKey

/// A transfer from flags (`--payee-account … --amount …`) or from a JSON file (`--transfer FILE`,
/// the ``Transfer`` schema in the README).
struct TransferOptions: ParsableArguments {
    @Option(help: "A JSON file with the transfer (payeeAccount, payeeName, amount, currency, reference).", transform: AbsolutePath.file)
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

    /// Whether any transfer input was given.
    var isGiven: Bool { transfer != nil || payeeAccount != nil || payeeName != nil || amount != nil }

    func read() throws -> Transfer {
        if let transfer {
            guard payeeAccount == nil, payeeName == nil, amount == nil else {
                throw CLIError("usage", "give the transfer either as --transfer FILE or as flags, not both")
            }
            do {
                return try JSONDecoder().decode(Transfer.self, from: try Files.read(transfer))
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError("badTransfer", "\(transfer) is not a transfer: \(ErrorText.describe(error))")
            }
        }
        guard let payeeAccount, let payeeName, let amount else {
            throw CLIError("usage", "a transfer needs --payee-account, --payee-name and --amount (or --transfer FILE)")
        }
        return Transfer(payeeAccount: payeeAccount, payeeName: payeeName, amount: amount, currency: currency, reference: reference)
    }
}
