import UKey

/// A field of a ``Transfer``, named as in its JSON form: what ``TransferRejection/fieldsDiffer(_:)``
/// reports when the signed transfer is not the one the bank intended.
public enum TransferField: String, Codable, CaseIterable, Hashable, Sendable {
    case payeeAccount
    case payeeName
    case amount
    case currency
    case reference

    /// The first field, in DTBS order (80, 81, 82, 83, 84), whose text differs between `intended`
    /// and `signed`, or `nil` when they are equal. Text is compared as exact UTF-8 (no Unicode
    /// normalisation, `"100.0"` ≠ `"100.00"`): the token shows and signs exactly what it was sent,
    /// and the bank sent its own intended text.
    public static func firstDifference(intended: Transfer, signed: Transfer) -> TransferField? {
        func differ(_ a: String, _ b: String) -> Bool { !a.utf8.elementsEqual(b.utf8) }
        if differ(intended.payeeAccount, signed.payeeAccount) { return .payeeAccount }
        if differ(intended.payeeName, signed.payeeName) { return .payeeName }
        if differ(intended.amount, signed.amount) { return .amount }
        if differ(intended.currency, signed.currency) { return .currency }
        switch (intended.reference, signed.reference) {
        case (nil, nil): return nil
        case (let a?, let b?): return differ(a, b) ? .reference : nil
        default: return .reference
        }
    }
}
