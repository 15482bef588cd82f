import ISO7816
import BankingProtocol

/// A transfer as the bank intends it and the holder sees it on the token's screen.
///
/// The card validates every field again with BankingProtocol's `TransferFieldRules`, as the bank
/// does before issuing a challenge; ``commandData(challenge:)`` only encodes. The JSON form is the
/// one `ukey transfer sign` reads: `{"payeeAccount": …, "payeeName": …, "amount": "1234.56",
/// "currency": "CNY", "reference": …}` (reference optional).
public struct Transfer: Codable, Hashable, Sendable {
    /// Payee account: 1–34 of `0`–`9`, `A`–`Z` (an IBAN fits).
    public var payeeAccount: String
    /// Payee name: 1–64 scalars of displayable NFC text (ARCHITECTURE.md, "Transfer fields").
    public var payeeName: String
    /// Decimal amount, `(0|[1-9][0-9]{0,14})(\.[0-9]{1,3})?`, above zero: "1234.56".
    public var amount: String
    /// ISO 4217 code, three capitals: "CNY".
    public var currency: String
    /// Free text for the payee, 0–64 scalars of displayable NFC text; `nil` leaves the field out.
    public var reference: String?

    public init(payeeAccount: String, payeeName: String, amount: String, currency: String, reference: String? = nil) {
        self.payeeAccount = payeeAccount
        self.payeeName = payeeName
        self.amount = amount
        self.currency = currency
        self.reference = reference
    }

    /// The fields in DTBS order: `80 account, 81 name, 82 amount, 83 currency, [84 reference]`.
    public var fields: [TLV] {
        var fields = [
            TLV(tag: BankingWire.DTBSTag.payeeAccount, value: Array(payeeAccount.utf8)),
            TLV(tag: BankingWire.DTBSTag.payeeName, value: Array(payeeName.utf8)),
            TLV(tag: BankingWire.DTBSTag.amount, value: Array(amount.utf8)),
            TLV(tag: BankingWire.DTBSTag.currency, value: Array(currency.utf8)),
        ]
        if let reference { fields.append(TLV(tag: BankingWire.DTBSTag.reference, value: Array(reference.utf8))) }
        return fields
    }

    /// The body of CONFIRM TRANSFER: `70 { 80, 81, 82, 83, [84], 85 challenge }`.
    public func commandData(challenge: [UInt8]) -> [UInt8] {
        TLV(tag: BankingWire.DTBSTag.dtbs, children: fields + [TLV(tag: BankingWire.DTBSTag.challenge, value: challenge)]).bytes
    }
}
