import UKey
import Foundation

extension BankState {
    /// One issued challenge in the state: its issue sequence number, its expiry, when it was
    /// used (once a signature over it verified), and — only while it can still be used — the
    /// intended transfer.
    ///
    /// JSON: `{ "sequence": 17, "expiresAt": "…", "usedAt": "…", "issued": { IssuedChallenge } }`,
    /// `usedAt` and `issued` optional; `sequence` is 0 for a challenge from a version 1 state.
    struct ChallengeRecord: Codable, Sendable {
        /// ``BankState/challengeSequence`` when it was issued.
        var sequence: UInt64
        var expiresAt: Date
        var usedAt: Date?
        /// The challenge as issued, with the intended transfer; `nil` once used or expired.
        var issued: IssuedChallenge?

        init(sequence: UInt64, expiresAt: Date, usedAt: Date? = nil, issued: IssuedChallenge?) {
            self.sequence = sequence
            self.expiresAt = expiresAt
            self.usedAt = usedAt
            self.issued = issued
        }

        private enum CodingKeys: String, CodingKey { case sequence, expiresAt, usedAt, issued }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            sequence = try c.decodeIfPresent(UInt64.self, forKey: .sequence) ?? 0
            expiresAt = try BankTime.decode(c, .expiresAt)
            usedAt = try BankTime.decodeIfPresent(c, .usedAt)
            issued = try c.decodeIfPresent(IssuedChallenge.self, forKey: .issued)
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(sequence, forKey: .sequence)
            try c.encode(BankTime.string(expiresAt), forKey: .expiresAt)
            try c.encodeIfPresent(usedAt.map(BankTime.string), forKey: .usedAt)
            try c.encodeIfPresent(issued, forKey: .issued)
        }
    }
}
