import UKey
import Foundation

/// The bank's rules, read from `policy.json` in the bank directory. An absent file means
/// ``default`` (CNY only); in a file, an absent key takes the default's value and an unknown key
/// anywhere is an error naming it (`currencies.USD.perday: unknown key …`):
///
///     { "baseCurrency": "CNY", "dailyLimit": "100000", "maxCounterStep": 1000,
///       "challengeLifetimeSeconds": 300, "challengeRetentionSeconds": 86400, "challengeLength": 32,
///       "currencies": {
///         "CNY": { "minorDigits": 2, "perTransfer": "50000", "perDay": "100000", "rate": "1" },
///         "USD": { "minorDigits": 2, "perTransfer": "7000", "perDay": "14000", "rate": "7.1" } } }
///
/// Only the listed currencies are accepted (``TransferRejection/currencyNotAllowed(_:)``); each
/// has its own ``CurrencyPolicy`` (minor digits, per-transfer and daily limits in that currency,
/// rate to the base currency). The base currency must be listed with rate 1. ``dailyLimit`` caps
/// each holder's accepted transfers of one UTC day in all currencies together, each converted
/// to the base currency at its rate and rounded up to the base currency's minor unit. Amounts
/// and rates are decimal strings, never numbers.
public struct BankPolicy: Codable, Hashable, Sendable {
    /// The currency ``dailyLimit`` is counted in (listed in ``currencies`` with rate 1).
    public var baseCurrency: String
    /// The most one holder may send in one UTC day, all currencies converted to ``baseCurrency``.
    public var dailyLimit: DecimalAmount
    /// The accepted currencies, by ISO 4217 code.
    public var currencies: [String: CurrencyPolicy]
    /// How far a token's signature counter may move past the last one the bank accepted (past 0
    /// for a token it never saw): 1,000 by default. A bigger jump is refused
    /// (``TransferRejection/counterJumped(last:got:maxStep:)``), so nothing can push a token's
    /// counter to its end and lock its holder out.
    public var maxCounterStep: Int
    /// How long an issued challenge can be used: 300 s (5 minutes) by default.
    public var challengeLifetimeSeconds: Int
    /// How long after its expiry the bank still remembers a challenge, so that a late or
    /// replayed copy is refused as expired or reused rather than unknown: one day by default.
    /// Challenges older than that are pruned from the state.
    public var challengeRetentionSeconds: Int
    /// Random bytes per challenge, 16–32 (the card takes 8–64): 32 by default.
    public var challengeLength: Int

    public init(baseCurrency: String = "CNY", dailyLimit: DecimalAmount = DecimalAmount(thousandths: 100_000_000),
                currencies: [String: CurrencyPolicy] = BankPolicy.standardCurrencies, maxCounterStep: Int = 1_000,
                challengeLifetimeSeconds: Int = 300, challengeRetentionSeconds: Int = 86_400, challengeLength: Int = 32) {
        self.baseCurrency = baseCurrency
        self.dailyLimit = dailyLimit
        self.currencies = currencies
        self.maxCounterStep = maxCounterStep
        self.challengeLifetimeSeconds = challengeLifetimeSeconds
        self.challengeRetentionSeconds = challengeRetentionSeconds
        self.challengeLength = challengeLength
    }

    /// CNY only: 50,000 per transfer, 100,000 per day, 2 minor digits; 5-minute challenges of 32
    /// bytes; counters may move by at most 1,000.
    public static let `default` = BankPolicy()

    /// CNY, 2 minor digits, 50,000 per transfer and 100,000 per day, rate 1.
    public static let standardCurrencies = [
        "CNY": CurrencyPolicy(minorDigits: 2, perTransfer: DecimalAmount(thousandths: 50_000_000),
                              perDay: DecimalAmount(thousandths: 100_000_000), rate: .one),
    ]

    /// Throws when a value is out of range, naming the field: lifetime 1 s … 1 day, retention
    /// 0 … 1 year, challenge length 16…32, counter step 1…2^32−1, currency codes of three
    /// capitals, minor digits 0…3, the base currency listed with rate 1.
    public func validate() throws(BankError) {
        guard (1...86_400).contains(challengeLifetimeSeconds) else {
            throw .invalidPolicy("challengeLifetimeSeconds must be 1…86400, not \(challengeLifetimeSeconds)")
        }
        guard (0...31_536_000).contains(challengeRetentionSeconds) else {
            throw .invalidPolicy("challengeRetentionSeconds must be 0…31536000, not \(challengeRetentionSeconds)")
        }
        guard (16...32).contains(challengeLength) else {
            throw .invalidPolicy("challengeLength must be 16…32, not \(challengeLength)")
        }
        guard (1...Int(UInt32.max)).contains(maxCounterStep) else {
            throw .invalidPolicy("maxCounterStep must be 1…4294967295, not \(maxCounterStep)")
        }
        for (code, currency) in currencies.sorted(by: { $0.key < $1.key }) {
            guard Transfer.isCurrencyCode(code) else {
                throw .invalidPolicy("currencies.\(code): \"\(code)\" is not an ISO 4217 code (three capitals A–Z)")
            }
            guard (0...3).contains(currency.minorDigits) else {
                throw .invalidPolicy("currencies.\(code).minorDigits must be 0…3, not \(currency.minorDigits)")
            }
        }
        guard let base = currencies[baseCurrency] else {
            throw .invalidPolicy("baseCurrency \"\(baseCurrency)\" must be listed in currencies (with rate \"1\")")
        }
        guard base.rate.isOne else {
            throw .invalidPolicy("currencies.\(baseCurrency).rate must be \"1\" (it is the base currency), not \"\(base.rate)\"")
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case baseCurrency, dailyLimit, maxCounterStep, challengeLifetimeSeconds, challengeRetentionSeconds, challengeLength, currencies
    }

    /// Absent keys take the default; unknown keys are an error naming them.
    public init(from decoder: any Decoder) throws {
        try PolicyKeys.refuseUnknown(decoder, known: CodingKeys.allCases)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let fallback = BankPolicy.default
        baseCurrency = try c.decodeIfPresent(String.self, forKey: .baseCurrency) ?? fallback.baseCurrency
        dailyLimit = try c.decodeIfPresent(DecimalAmount.self, forKey: .dailyLimit) ?? fallback.dailyLimit
        maxCounterStep = try c.decodeIfPresent(Int.self, forKey: .maxCounterStep) ?? fallback.maxCounterStep
        challengeLifetimeSeconds = try c.decodeIfPresent(Int.self, forKey: .challengeLifetimeSeconds) ?? fallback.challengeLifetimeSeconds
        challengeRetentionSeconds = try c.decodeIfPresent(Int.self, forKey: .challengeRetentionSeconds)
            ?? fallback.challengeRetentionSeconds
        challengeLength = try c.decodeIfPresent(Int.self, forKey: .challengeLength) ?? fallback.challengeLength
        currencies = try c.decodeIfPresent([String: CurrencyPolicy].self, forKey: .currencies) ?? fallback.currencies
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(baseCurrency, forKey: .baseCurrency)
        try c.encode(dailyLimit, forKey: .dailyLimit)
        try c.encode(maxCounterStep, forKey: .maxCounterStep)
        try c.encode(challengeLifetimeSeconds, forKey: .challengeLifetimeSeconds)
        try c.encode(challengeRetentionSeconds, forKey: .challengeRetentionSeconds)
        try c.encode(challengeLength, forKey: .challengeLength)
        try c.encode(currencies, forKey: .currencies)
    }
}
