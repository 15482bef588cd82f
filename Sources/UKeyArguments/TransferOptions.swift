import ArgumentParser
import Foundation
import UKey

/// A transfer from flags (`--payee-account … --amount …`) or from a JSON file (`--transfer FILE`,
/// the ``Transfer`` schema in the README): `ukey transfer challenge|sign` and `ukey-bank
/// challenge` take the same ones.
public struct TransferOptions: ParsableArguments {
    @Option(help: "A JSON file with the transfer (payeeAccount, payeeName, amount, currency, reference).", transform: AbsolutePath.file)
    public var transfer: String?

    @Option(help: "The payee's account (1–34 characters).")
    public var payeeAccount: String?

    @Option(help: "The payee's name (1–64 characters).")
    public var payeeName: String?

    @Option(help: "The amount, e.g. 1234.56.")
    public var amount: String?

    @Option(help: "The currency, three capitals (ISO 4217).")
    public var currency = "CNY"

    @Option(help: "A reference for the payee (0–64 characters).")
    public var reference: String?

    public init() {}

    /// Whether any transfer input was given.
    public var isGiven: Bool { transfer != nil || payeeAccount != nil || payeeName != nil || amount != nil }

    /// The transfer; `readFile` reads `--transfer FILE` (its errors pass unchanged).
    public func read(file readFile: (String) throws -> Data) throws -> Transfer {
        if let transfer {
            guard payeeAccount == nil, payeeName == nil, amount == nil else {
                throw TransferOptionsError.usage("give the transfer either as --transfer FILE or as flags, not both")
            }
            let data = try readFile(transfer)
            do {
                return try JSONDecoder().decode(Transfer.self, from: data)
            } catch {
                throw TransferOptionsError.notATransfer(path: transfer, reason: error)
            }
        }
        guard let payeeAccount, let payeeName, let amount else {
            throw TransferOptionsError.usage("a transfer needs --payee-account, --payee-name and --amount (or --transfer FILE)")
        }
        return Transfer(payeeAccount: payeeAccount, payeeName: payeeName, amount: amount, currency: currency, reference: reference)
    }
}

/// Why ``TransferOptions/read(file:)`` gave no transfer.
public enum TransferOptionsError: Error {
    /// The flags do not make one transfer.
    case usage(String)
    /// `--transfer FILE` is not the ``Transfer`` JSON.
    case notATransfer(path: String, reason: any Error)
}
