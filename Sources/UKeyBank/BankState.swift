import UKey
import Foundation
import ISO7816

/// What the bank remembered between verifications before the store, in `state.json` — now read
/// only to import it (``SQLBankStore/importState(json:policy:)``) — and the slice of the store
/// one verification reads (its challenge, its token, its holder's day), which ``decide(_:certificateSubject:at:policy:)``
/// judges. The file: the challenges it issued
/// (until ``BankPolicy/challengeRetentionSeconds`` after they expire), each with its issue
/// sequence number; per token the last accepted signature counter, the sequence number current
/// at that acceptance and a suspension; and each holder's accepted totals for the current UTC day.
///
///     { "version": 2, "challengeSequence": 17,
///       "challenges": { "HEX": { "sequence": 16, "expiresAt": "2026-11-23T10:20:00Z", "usedAt": "2026-11-23T10:16:02Z" },
///                       "HEX": { "sequence": 17, "expiresAt": "…", "issued": { IssuedChallenge } } },
///       "tokens": { "SERIAL HEX": { "lastCounter": 3, "acceptedAtSequence": 16,
///                                   "suspended": { "at": "…", "last": 3, "got": 2 } } },
///       "dailyTotals": { "token:SERIAL HEX": { "day": "2026-11-23", "totals": { "CNY": "1234.56" },
///                                              "overall": "1234.56" } } }
///
/// Version 1 files (`lastCounters` by serial, no sequence numbers, no overall totals) still load:
/// their challenges and acceptances get sequence 0, so none of their challenges counts as issued
/// after an acceptance (the import gives them negative sequence numbers).
///
/// The stateful checks are a pure function of this value (``decide(_:certificateSubject:at:policy:)``);
/// ``SQLBankStore`` writes their outcome with conditional updates — a dry run only decides.
struct BankState: Codable, Sendable {
    /// One holder's accepted amounts on one UTC day.
    struct DailyTotal: Codable, Sendable {
        var day: String
        /// By currency, in that currency.
        var totals: [String: DecimalAmount]
        /// In the policy's base currency, each transfer converted and rounded up when accepted;
        /// `nil` in a version 1 state (then ``BankState/overallTotal(of:policy:)`` converts `totals`).
        var overall: DecimalAmount?
    }

    static let currentVersion = 2

    var version = BankState.currentVersion
    /// The sequence number of the last challenge issued: every issued challenge gets the next
    /// one, so "issued after" compares exactly, not to the second.
    var challengeSequence: UInt64 = 0
    /// Issued challenges by upper-case hex.
    var challenges: [String: ChallengeRecord] = [:]
    /// What the bank knows of each token, by serial (upper-case hex).
    var tokens: [String: TokenRecord] = [:]
    /// Totals by holder: `token:SERIAL` or `holder:ID` (``IssuedChallenge/accountHolder``).
    var dailyTotals: [String: DailyTotal] = [:]

    init() {}

    private enum CodingKeys: String, CodingKey {
        case version, challengeSequence, challenges, tokens, dailyTotals, lastCounters
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = try c.decode(Int.self, forKey: .version)
        challenges = try c.decode([String: ChallengeRecord].self, forKey: .challenges)
        dailyTotals = try c.decode([String: DailyTotal].self, forKey: .dailyTotals)
        switch version {
        case 1:
            let counters = try c.decode([String: UInt32].self, forKey: .lastCounters)
            tokens = counters.mapValues { TokenRecord(lastCounter: $0, acceptedAtSequence: 0) }
        case 2:
            challengeSequence = try c.decode(UInt64.self, forKey: .challengeSequence)
            tokens = try c.decode([String: TokenRecord].self, forKey: .tokens)
        default:
            throw DecodingError.dataCorruptedError(forKey: .version, in: c,
                                                   debugDescription: "state version \(version), this verifier reads 1 and \(Self.currentVersion)")
        }
        self.version = Self.currentVersion
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(challengeSequence, forKey: .challengeSequence)
        try c.encode(challenges, forKey: .challenges)
        try c.encode(tokens, forKey: .tokens)
        try c.encode(dailyTotals, forKey: .dailyTotals)
    }

    /// Whether the token (upper-case hex serial) is suspended.
    func isSuspended(_ serialHex: String) -> Bool {
        tokens[serialHex]?.suspended != nil
    }

    /// The daily-total key: `holder:ID` when the challenge named an account holder, else `token:SERIAL`.
    static func holderKey(_ accountHolder: String?, serialHex: String) -> String {
        accountHolder.map { "holder:" + $0 } ?? "token:" + serialHex
    }
}
