import UKey
import BankingProtocol

/// The checks the bank makes on a transfer it is about to put to a token: the rules of
/// ARCHITECTURE.md ("Transfer fields") from BankingProtocol's ``TransferFieldRules``, the same
/// code the card runs on CONFIRM TRANSFER, so the bank never issues a challenge for a transfer the
/// card would refuse with 6A80.
extension Transfer {
    /// Whether `code` is three capital letters A–Z.
    public static func isCurrencyCode(_ code: String) -> Bool {
        (try? TransferFieldRules.currency(Array(code.utf8))) != nil
    }

    /// The amount as an exact decimal; throws unless it matches the card's grammar and is above zero.
    public func decimalAmount() throws(BankError) -> DecimalAmount {
        guard (try? TransferFieldRules.amount(Array(amount.utf8))) != nil, let value = DecimalAmount(amount), value > .zero else {
            throw .invalidTransfer("amount \"\(amount)\" is not (0|[1-9][0-9]{0,14})(.[0-9]{1,3})? above zero")
        }
        return value
    }

    /// Throws ``BankError/invalidTransfer(_:)`` naming the field and the reason (for example
    /// `payee name: U+034F is not allowed (default-ignorable)`) unless every field follows the
    /// card's rules: account, name, amount, currency and reference, in DTBS order.
    func validateForToken() throws(BankError) {
        do throws(TransferFieldError) {
            _ = try TransferFieldRules.payeeAccount(Array(payeeAccount.utf8))
            _ = try TransferFieldRules.payeeName(Array(payeeName.utf8))
            _ = try TransferFieldRules.amount(Array(amount.utf8))
            _ = try TransferFieldRules.currency(Array(currency.utf8))
            if let reference { _ = try TransferFieldRules.reference(Array(reference.utf8)) }
        } catch {
            throw .invalidTransfer(error.description)
        }
        _ = try decimalAmount()
    }
}
