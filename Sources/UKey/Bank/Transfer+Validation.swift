/// The checks the bank makes on a transfer it is about to put to a token: the amount and
/// currency grammar of ARCHITECTURE.md ("Transfer fields"). The card checks every field again,
/// including the text rules, and refuses a deceptive one with 6A80.
extension Transfer {
    /// Whether `code` is three capital letters A–Z.
    public static func isCurrencyCode(_ code: String) -> Bool {
        code.utf8.count == 3 && code.utf8.allSatisfy { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }
    }

    /// The amount as an exact decimal; throws unless it matches the card's grammar and is above zero.
    public func decimalAmount() throws(BankError) -> DecimalAmount {
        guard let value = DecimalAmount(amount), value > .zero else {
            throw .invalidTransfer("amount \"\(amount)\" is not (0|[1-9][0-9]{0,14})(.[0-9]{1,3})? above zero")
        }
        return value
    }

    /// Throws unless the amount and currency follow the card's grammar and the text fields have
    /// the card's lengths (in Unicode scalars).
    func validateForToken() throws(BankError) {
        _ = try decimalAmount()
        guard Self.isCurrencyCode(currency) else { throw .invalidTransfer("currency \"\(currency)\" is not three capitals A–Z") }
        guard (1...34).contains(payeeAccount.unicodeScalars.count) else { throw .invalidTransfer("payee account must be 1–34 characters") }
        guard (1...64).contains(payeeName.unicodeScalars.count) else { throw .invalidTransfer("payee name must be 1–64 characters") }
        guard (reference?.unicodeScalars.count ?? 0) <= 64 else { throw .invalidTransfer("reference must be at most 64 characters") }
    }
}
