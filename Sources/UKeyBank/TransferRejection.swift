import UKey

/// Why the bank refuses a ``SignedTransfer``: one case per check of ``TransferVerifier``, each
/// with a sentence for people (``description``) and a stable identifier for programs (``code``,
/// the `"code"` of the JSON form).
public enum TransferRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// The signed transfer cannot be read: bad JSON, a DTBS that breaks the grammar, a
    /// certificate that is not DER X.509 with an RSA key.
    case malformed(String)
    /// The certificate does not chain to a CA the bank trusts (the text is OpenSSL's reason), or
    /// is not a transfer certificate: a CA certificate, a key usage without digitalSignature /
    /// nonRepudiation, an extendedKeyUsage other than exactly {``UKeyOID/transferConfirmation``}.
    case untrustedCertificate(String)
    /// The certificate (or its CA) was no longer valid at verification time.
    case certificateExpired
    /// The certificate (or its CA) was not yet valid at verification time.
    case certificateNotYetValid
    /// The certificate's subject `serialNumber` (upper-case hex) is missing or is not the token
    /// serial in the DTBS (tag 86): the certificate was issued to another token.
    case serialMismatch(certificate: String?, signed: String)
    /// The signature is not RSA PKCS#1 v1.5 with SHA-256 over the DTBS by the certificate's key.
    case badSignature
    /// The bank never issued this challenge (or forgot it long after it expired).
    case unknownChallenge
    /// The challenge was already used by an earlier signed transfer.
    case challengeReused
    /// The challenge's lifetime had ended at verification time.
    case challengeExpired
    /// The challenge was issued for another token (hex serials).
    case wrongToken(expected: String, signed: String)
    /// The signed transfer is not the one the bank intended: `field` is the first that differs.
    case fieldsDiffer(TransferField)
    /// The signature counter (DTBS tag 87) is not above the last one the bank accepted from
    /// this token, with a challenge issued before that acceptance: a signature withheld and
    /// replayed late, or two verified out of order. The token is not suspended.
    case counterNotIncreasing(last: UInt32, got: UInt32)
    /// The signature counter is more than the policy's ``BankPolicy/maxCounterStep`` above the
    /// last one accepted from this token (`last` `nil`: none yet, counted from 0).
    case counterJumped(last: UInt32?, got: UInt32, maxStep: UInt32)
    /// The signature counter is not above the last one accepted, with a challenge the bank
    /// issued *after* that acceptance — which an honest card cannot produce: its state was
    /// copied or restored. The token is now suspended (``tokenSuspended(serial:)``).
    case counterRegressed(last: UInt32, got: UInt32)
    /// The token (hex serial) is suspended as possibly cloned; `ukey transfer unsuspend` clears it.
    case tokenSuspended(serial: String)
    /// The bank's policy does not list this currency, so it takes no transfers in it.
    case currencyNotAllowed(String)
    /// The amount has more fraction digits than the currency's minor digits (CNY 2).
    case tooManyMinorDigits(amount: String, currency: String, minorDigits: Int)
    /// The amount is above the policy's limit for one transfer.
    case overTransferLimit(amount: DecimalAmount, limit: DecimalAmount, currency: String)
    /// Today's accepted transfers plus this one exceed the policy's daily limit.
    case overDailyLimit(amount: DecimalAmount, acceptedToday: DecimalAmount, limit: DecimalAmount, currency: String)
    /// Today's accepted transfers in every currency plus this one, each converted to the base
    /// currency (rounded up), exceed the policy's overall ``BankPolicy/dailyLimit``: `converted`
    /// is this transfer in the base currency, `acceptedToday` and `limit` are in it too.
    case overOverallDailyLimit(amount: DecimalAmount, currency: String, converted: DecimalAmount, acceptedToday: DecimalAmount,
                               limit: DecimalAmount, baseCurrency: String)

    /// A stable, machine-readable identifier: the case name, `"fieldsDiffer"`, `"badSignature"`, ….
    public var code: String {
        switch self {
        case .malformed: return "malformed"
        case .untrustedCertificate: return "untrustedCertificate"
        case .certificateExpired: return "certificateExpired"
        case .certificateNotYetValid: return "certificateNotYetValid"
        case .serialMismatch: return "serialMismatch"
        case .badSignature: return "badSignature"
        case .unknownChallenge: return "unknownChallenge"
        case .challengeReused: return "challengeReused"
        case .challengeExpired: return "challengeExpired"
        case .wrongToken: return "wrongToken"
        case .fieldsDiffer: return "fieldsDiffer"
        case .counterNotIncreasing: return "counterNotIncreasing"
        case .counterJumped: return "counterJumped"
        case .counterRegressed: return "counterRegressed"
        case .tokenSuspended: return "tokenSuspended"
        case .currencyNotAllowed: return "currencyNotAllowed"
        case .tooManyMinorDigits: return "tooManyMinorDigits"
        case .overTransferLimit: return "overTransferLimit"
        case .overDailyLimit: return "overDailyLimit"
        case .overOverallDailyLimit: return "overOverallDailyLimit"
        }
    }

    public var description: String {
        switch self {
        case .malformed(let reason): return "malformed signed transfer: \(reason)"
        case .untrustedCertificate(let reason): return "the token's certificate is not trusted: \(reason)"
        case .certificateExpired: return "the token's certificate has expired"
        case .certificateNotYetValid: return "the token's certificate is not valid yet"
        case .serialMismatch(let certificate, let signed):
            return "the certificate belongs to token \(certificate ?? "(no serialNumber in its subject)"), the transfer was signed by token \(signed)"
        case .badSignature: return "the signature does not verify with the certificate's key"
        case .unknownChallenge: return "the bank did not issue this challenge"
        case .challengeReused: return "the challenge was already used"
        case .challengeExpired: return "the challenge has expired"
        case .wrongToken(let expected, let signed):
            return "the challenge was issued for token \(expected), the transfer was signed by token \(signed)"
        case .fieldsDiffer(let field): return "the signed \(field.rawValue) differs from the transfer the bank intended"
        case .counterNotIncreasing(let last, let got):
            return "signature counter \(got) is not above \(last), the last one accepted from this token"
        case .counterJumped(let last, let got, let maxStep):
            return "signature counter \(got) is more than \(maxStep) above \(last.map { "\($0), the last one accepted from this token" } ?? "0 (none accepted from this token yet)")"
        case .counterRegressed(let last, let got):
            return "signature counter \(got) is not above \(last), the last one accepted, yet the challenge was issued after that acceptance: the token's state was copied or restored; the token is suspended"
        case .tokenSuspended(let serial):
            return "token \(serial) is suspended as possibly cloned (`ukey transfer unsuspend` clears it)"
        case .currencyNotAllowed(let currency): return "the bank takes no transfers in \(currency)"
        case .tooManyMinorDigits(let amount, let currency, let minorDigits):
            return "\(amount) \(currency) has more than \(minorDigits) fraction digits"
        case .overTransferLimit(let amount, let limit, let currency):
            return "\(amount) \(currency) is over the limit of \(limit) \(currency) per transfer"
        case .overDailyLimit(let amount, let acceptedToday, let limit, let currency):
            return "\(amount) \(currency) after \(acceptedToday) \(currency) today is over the daily limit of \(limit) \(currency)"
        case .overOverallDailyLimit(let amount, let currency, let converted, let acceptedToday, let limit, let base):
            return "\(amount) \(currency) (\(converted) \(base)) after \(acceptedToday) \(base) today in all currencies is over the overall daily limit of \(limit) \(base)"
        }
    }
}
