import UKey
import Foundation

extension BankState {
    /// What the bank knows of one token: the last signature counter it accepted, the challenge
    /// sequence number current at that acceptance (a challenge with a higher one was issued
    /// after it), and whether the token is suspended as possibly cloned.
    ///
    /// JSON: `{ "lastCounter": 3, "acceptedAtSequence": 16, "suspended": { "at": "…", "last": 3, "got": 2 } }`,
    /// `suspended` only while it is.
    struct TokenRecord: Codable, Sendable, Hashable {
        /// Why and when the bank suspended a token: a counter `got` not above `last` came with a
        /// challenge issued after `last` was accepted.
        struct Suspension: Codable, Sendable, Hashable {
            var at: Date
            var last: UInt32
            var got: UInt32

            private enum CodingKeys: String, CodingKey { case at, last, got }

            init(at: Date, last: UInt32, got: UInt32) {
                self.at = at
                self.last = last
                self.got = got
            }

            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                at = try BankTime.decode(c, .at)
                last = try c.decode(UInt32.self, forKey: .last)
                got = try c.decode(UInt32.self, forKey: .got)
            }

            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(BankTime.string(at), forKey: .at)
                try c.encode(last, forKey: .last)
                try c.encode(got, forKey: .got)
            }
        }

        var lastCounter: UInt32
        var acceptedAtSequence: UInt64
        var suspended: Suspension?

        init(lastCounter: UInt32, acceptedAtSequence: UInt64, suspended: Suspension? = nil) {
            self.lastCounter = lastCounter
            self.acceptedAtSequence = acceptedAtSequence
            self.suspended = suspended
        }
    }
}
