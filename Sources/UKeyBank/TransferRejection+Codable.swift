import UKey

/// JSON form (what `ukey transfer verify --json` prints for a refusal):
///
///     { "code": "fieldsDiffer", "message": "the signed amount differs from …", "field": "amount" }
///
/// `code` is ``TransferRejection/code``; the other keys are the case's values under their labels
/// (`reason`, `certificate`, `signed`, `expected`, `field`, `last`, `got`, `maxStep`, `serial`,
/// `amount`, `minorDigits`, `converted`, `acceptedToday`, `limit`, `currency`, `baseCurrency`);
/// amounts are decimal strings. `message` is for people and is ignored when decoding.
extension TransferRejection: Codable {
    private enum CodingKeys: String, CodingKey {
        case code, message, reason, certificate, signed, expected, field, last, got, maxStep, serial, amount, minorDigits, converted,
             acceptedToday, limit, currency, baseCurrency
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let code = try c.decode(String.self, forKey: .code)
        switch code {
        case "malformed": self = .malformed(try c.decode(String.self, forKey: .reason))
        case "untrustedCertificate": self = .untrustedCertificate(try c.decode(String.self, forKey: .reason))
        case "certificateExpired": self = .certificateExpired
        case "certificateNotYetValid": self = .certificateNotYetValid
        case "serialMismatch":
            self = .serialMismatch(certificate: try c.decodeIfPresent(String.self, forKey: .certificate),
                                   signed: try c.decode(String.self, forKey: .signed))
        case "badSignature": self = .badSignature
        case "unknownChallenge": self = .unknownChallenge
        case "challengeReused": self = .challengeReused
        case "challengeExpired": self = .challengeExpired
        case "wrongToken":
            self = .wrongToken(expected: try c.decode(String.self, forKey: .expected), signed: try c.decode(String.self, forKey: .signed))
        case "fieldsDiffer": self = .fieldsDiffer(try c.decode(TransferField.self, forKey: .field))
        case "counterNotIncreasing":
            self = .counterNotIncreasing(last: try c.decode(UInt32.self, forKey: .last), got: try c.decode(UInt32.self, forKey: .got))
        case "counterJumped":
            self = .counterJumped(last: try c.decodeIfPresent(UInt32.self, forKey: .last), got: try c.decode(UInt32.self, forKey: .got),
                                  maxStep: try c.decode(UInt32.self, forKey: .maxStep))
        case "counterRegressed":
            self = .counterRegressed(last: try c.decode(UInt32.self, forKey: .last), got: try c.decode(UInt32.self, forKey: .got))
        case "tokenSuspended": self = .tokenSuspended(serial: try c.decode(String.self, forKey: .serial))
        case "currencyNotAllowed": self = .currencyNotAllowed(try c.decode(String.self, forKey: .currency))
        case "tooManyMinorDigits":
            self = .tooManyMinorDigits(amount: try c.decode(String.self, forKey: .amount), currency: try c.decode(String.self, forKey: .currency),
                                       minorDigits: try c.decode(Int.self, forKey: .minorDigits))
        case "overOverallDailyLimit":
            self = .overOverallDailyLimit(amount: try c.decode(DecimalAmount.self, forKey: .amount),
                                          currency: try c.decode(String.self, forKey: .currency),
                                          converted: try c.decode(DecimalAmount.self, forKey: .converted),
                                          acceptedToday: try c.decode(DecimalAmount.self, forKey: .acceptedToday),
                                          limit: try c.decode(DecimalAmount.self, forKey: .limit),
                                          baseCurrency: try c.decode(String.self, forKey: .baseCurrency))
        case "overTransferLimit":
            self = .overTransferLimit(amount: try c.decode(DecimalAmount.self, forKey: .amount),
                                      limit: try c.decode(DecimalAmount.self, forKey: .limit),
                                      currency: try c.decode(String.self, forKey: .currency))
        case "overDailyLimit":
            self = .overDailyLimit(amount: try c.decode(DecimalAmount.self, forKey: .amount),
                                   acceptedToday: try c.decode(DecimalAmount.self, forKey: .acceptedToday),
                                   limit: try c.decode(DecimalAmount.self, forKey: .limit),
                                   currency: try c.decode(String.self, forKey: .currency))
        default:
            throw DecodingError.dataCorruptedError(forKey: .code, in: c, debugDescription: "unknown rejection code \(code)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(code, forKey: .code)
        try c.encode(description, forKey: .message)
        switch self {
        case .malformed(let reason), .untrustedCertificate(let reason): try c.encode(reason, forKey: .reason)
        case .certificateExpired, .certificateNotYetValid, .badSignature, .unknownChallenge, .challengeReused,
             .challengeExpired:
            break
        case .serialMismatch(let certificate, let signed):
            try c.encodeIfPresent(certificate, forKey: .certificate)
            try c.encode(signed, forKey: .signed)
        case .wrongToken(let expected, let signed):
            try c.encode(expected, forKey: .expected)
            try c.encode(signed, forKey: .signed)
        case .fieldsDiffer(let field): try c.encode(field, forKey: .field)
        case .counterNotIncreasing(let last, let got):
            try c.encode(last, forKey: .last)
            try c.encode(got, forKey: .got)
        case .counterJumped(let last, let got, let maxStep):
            try c.encodeIfPresent(last, forKey: .last)
            try c.encode(got, forKey: .got)
            try c.encode(maxStep, forKey: .maxStep)
        case .counterRegressed(let last, let got):
            try c.encode(last, forKey: .last)
            try c.encode(got, forKey: .got)
        case .tokenSuspended(let serial): try c.encode(serial, forKey: .serial)
        case .currencyNotAllowed(let currency): try c.encode(currency, forKey: .currency)
        case .tooManyMinorDigits(let amount, let currency, let minorDigits):
            try c.encode(amount, forKey: .amount)
            try c.encode(currency, forKey: .currency)
            try c.encode(minorDigits, forKey: .minorDigits)
        case .overOverallDailyLimit(let amount, let currency, let converted, let acceptedToday, let limit, let baseCurrency):
            try c.encode(amount, forKey: .amount)
            try c.encode(currency, forKey: .currency)
            try c.encode(converted, forKey: .converted)
            try c.encode(acceptedToday, forKey: .acceptedToday)
            try c.encode(limit, forKey: .limit)
            try c.encode(baseCurrency, forKey: .baseCurrency)
        case .overTransferLimit(let amount, let limit, let currency):
            try c.encode(amount, forKey: .amount)
            try c.encode(limit, forKey: .limit)
            try c.encode(currency, forKey: .currency)
        case .overDailyLimit(let amount, let acceptedToday, let limit, let currency):
            try c.encode(amount, forKey: .amount)
            try c.encode(acceptedToday, forKey: .acceptedToday)
            try c.encode(limit, forKey: .limit)
            try c.encode(currency, forKey: .currency)
        }
    }
}
