import Foundation

/// The bank's rules, read from `policy.json` in the bank directory; every key is optional and
/// an absent file means ``default``:
///
///     { "challengeLifetimeSeconds": 300,
///       "challengeRetentionSeconds": 86400,
///       "challengeLength": 32,
///       "limits": { "CNY": { "perTransfer": "50000", "perDay": "100000" } },
///       "defaultLimits": { "perTransfer": "50000", "perDay": "100000" } }
///
/// A currency takes the limits listed for it, else ``defaultLimits``; with neither, transfers in
/// it are refused (``TransferRejection/currencyNotAllowed(_:)``). Write `"defaultLimits": null`
/// to take only the listed currencies.
public struct BankPolicy: Codable, Hashable, Sendable {
    /// How long an issued challenge can be used: 300 s (5 minutes) by default.
    public var challengeLifetimeSeconds: Int
    /// How long after its expiry the bank still remembers a challenge, so that a late or
    /// replayed copy is refused as expired or reused rather than unknown: one day by default.
    /// Challenges older than that are pruned from the state.
    public var challengeRetentionSeconds: Int
    /// Random bytes per challenge, 16–32 (the card takes 8–64): 32 by default.
    public var challengeLength: Int
    /// Limits by ISO 4217 currency code.
    public var limits: [String: TransferLimits]
    /// Limits for a currency not in ``limits``; `nil` refuses such currencies.
    public var defaultLimits: TransferLimits?

    public init(challengeLifetimeSeconds: Int = 300, challengeRetentionSeconds: Int = 86_400, challengeLength: Int = 32,
                limits: [String: TransferLimits] = [:], defaultLimits: TransferLimits? = BankPolicy.standardLimits) {
        self.challengeLifetimeSeconds = challengeLifetimeSeconds
        self.challengeRetentionSeconds = challengeRetentionSeconds
        self.challengeLength = challengeLength
        self.limits = limits
        self.defaultLimits = defaultLimits
    }

    /// 5-minute challenges of 32 bytes, and ``standardLimits`` in every currency.
    public static let `default` = BankPolicy()

    /// 50,000 per transfer and 100,000 per day.
    public static let standardLimits = TransferLimits(perTransfer: DecimalAmount(thousandths: 50_000_000),
                                                      perDay: DecimalAmount(thousandths: 100_000_000))

    /// The limits that apply to `currency`, or `nil` if the bank takes no transfers in it.
    public func limits(for currency: String) -> TransferLimits? {
        limits[currency] ?? defaultLimits
    }

    /// Throws when a value is out of range: lifetime 1 s … 1 day, retention 0 … 1 year,
    /// challenge length 16…32, currency codes of three capitals.
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
        for currency in limits.keys where !Transfer.isCurrencyCode(currency) {
            throw .invalidPolicy("\"\(currency)\" is not an ISO 4217 code (three capitals A–Z)")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case challengeLifetimeSeconds, challengeRetentionSeconds, challengeLength, limits, defaultLimits
    }

    /// Absent keys take the default; `"defaultLimits": null` is kept as "no default".
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let fallback = BankPolicy.default
        challengeLifetimeSeconds = try c.decodeIfPresent(Int.self, forKey: .challengeLifetimeSeconds) ?? fallback.challengeLifetimeSeconds
        challengeRetentionSeconds = try c.decodeIfPresent(Int.self, forKey: .challengeRetentionSeconds)
            ?? fallback.challengeRetentionSeconds
        challengeLength = try c.decodeIfPresent(Int.self, forKey: .challengeLength) ?? fallback.challengeLength
        limits = try c.decodeIfPresent([String: TransferLimits].self, forKey: .limits) ?? fallback.limits
        defaultLimits = c.contains(.defaultLimits)
            ? try c.decodeIfPresent(TransferLimits.self, forKey: .defaultLimits) : fallback.defaultLimits
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(challengeLifetimeSeconds, forKey: .challengeLifetimeSeconds)
        try c.encode(challengeRetentionSeconds, forKey: .challengeRetentionSeconds)
        try c.encode(challengeLength, forKey: .challengeLength)
        try c.encode(limits, forKey: .limits)
        try c.encode(defaultLimits, forKey: .defaultLimits)   // null when absent: "refuse other currencies"
    }
}
