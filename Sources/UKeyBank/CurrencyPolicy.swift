import UKey

/// What the bank accepts in one currency (a value of ``BankPolicy/currencies``): how many
/// fraction digits an amount may have, the most per transfer and per UTC day (in this
/// currency; absent is no limit of that kind), and the rate to the policy's base currency.
///
/// JSON: `{ "minorDigits": 2, "perTransfer": "50000", "perDay": "100000", "rate": "1" }`;
/// `minorDigits` and `rate` are required, amounts and rates are decimal strings (never numbers,
/// so no reader rounds them), and any other key is an error.
public struct CurrencyPolicy: Hashable, Sendable, Codable {
    /// Fraction digits an amount may have, 0…3 (CNY, USD, EUR 2; JPY 0; KWD 3).
    public var minorDigits: Int
    /// The largest amount of one transfer.
    public var perTransfer: DecimalAmount?
    /// The largest sum of one holder's accepted transfers in this currency in one UTC day.
    public var perDay: DecimalAmount?
    /// Units of the base currency per unit of this one.
    public var rate: ExchangeRate

    public init(minorDigits: Int, perTransfer: DecimalAmount? = nil, perDay: DecimalAmount? = nil, rate: ExchangeRate) {
        self.minorDigits = minorDigits
        self.perTransfer = perTransfer
        self.perDay = perDay
        self.rate = rate
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case minorDigits, perTransfer, perDay, rate
    }

    public init(from decoder: any Decoder) throws {
        try PolicyKeys.refuseUnknown(decoder, known: CodingKeys.allCases)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        minorDigits = try c.decode(Int.self, forKey: .minorDigits)
        perTransfer = try c.decodeIfPresent(DecimalAmount.self, forKey: .perTransfer)
        perDay = try c.decodeIfPresent(DecimalAmount.self, forKey: .perDay)
        rate = try c.decode(ExchangeRate.self, forKey: .rate)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(minorDigits, forKey: .minorDigits)
        try c.encodeIfPresent(perTransfer, forKey: .perTransfer)
        try c.encodeIfPresent(perDay, forKey: .perDay)
        try c.encode(rate, forKey: .rate)
    }
}

/// The strictness of `policy.json`: a key the bank does not know (a typo such as `"perday"`)
/// is an error naming it, never silently ignored.
enum PolicyKeys {
    /// Any key name.
    struct AnyKey: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    /// Throws a `DecodingError` at the first key of the object being decoded that is not in `known`.
    static func refuseUnknown<K: CodingKey>(_ decoder: any Decoder, known: [K]) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let names = Set(known.map(\.stringValue))
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) where !names.contains(key.stringValue) {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [key],
                                                    debugDescription: "unknown key \"\(key.stringValue)\" (known: \(known.map(\.stringValue).joined(separator: ", ")))"))
        }
    }

    /// `currencies.USD.rate`: a coding path as dotted key names.
    static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// A decoding error as `PATH: what is wrong`, for ``BankError/invalidPolicy(_:)``.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? context.debugDescription : "\(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(type == String.self ? "a string" : type == Int.self ? "an integer" : "\(type)")"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(type), found null"
        @unknown default:
            return "\(error)"
        }
    }
}
