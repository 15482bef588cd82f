import UKey

extension BankPolicy {
    /// Why the policy refuses `transfer` whatever else happens today, or `nil`: its currency is
    /// not listed (``TransferRejection/currencyNotAllowed(_:)``), its amount has more fraction
    /// digits than the currency's minor digits (``TransferRejection/tooManyMinorDigits(amount:currency:minorDigits:)``),
    /// or it is over the per-transfer limit. `issueChallenge` refuses such a transfer up front;
    /// the verifier checks again (the policy may have changed since).
    public func refusal(for transfer: Transfer, amount: DecimalAmount) -> TransferRejection? {
        let code = transfer.currency
        guard let currency = currencies[code] else { return .currencyNotAllowed(code) }
        if let dot = transfer.amount.utf8.firstIndex(of: UInt8(ascii: ".")),
           transfer.amount.utf8.distance(from: dot, to: transfer.amount.utf8.endIndex) - 1 > currency.minorDigits {
            return .tooManyMinorDigits(amount: transfer.amount, currency: code, minorDigits: currency.minorDigits)
        }
        if let limit = currency.perTransfer, amount > limit {
            return .overTransferLimit(amount: amount, limit: limit, currency: code)
        }
        return nil
    }

    /// `amount` in `currency` converted to ``baseCurrency`` at the listed rate, rounded up to
    /// the base currency's minor unit; `nil` for an unlisted currency or a result too large.
    public func inBaseCurrency(_ amount: DecimalAmount, _ currency: String) -> DecimalAmount? {
        guard let rate = currencies[currency]?.rate, let base = currencies[baseCurrency] else { return nil }
        return rate.convert(amount, toMinorDigits: base.minorDigits)
    }
}
