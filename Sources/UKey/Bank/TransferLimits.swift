/// The most one token (or account holder) may send in one currency: per transfer and per UTC
/// day. A `nil` limit is no limit. JSON: `{ "perTransfer": "50000", "perDay": "100000" }`
/// (decimal strings, never numbers, so no reader rounds them).
public struct TransferLimits: Codable, Hashable, Sendable {
    /// The largest amount of one transfer.
    public var perTransfer: DecimalAmount?
    /// The largest sum of the transfers accepted in one UTC calendar day.
    public var perDay: DecimalAmount?

    public init(perTransfer: DecimalAmount? = nil, perDay: DecimalAmount? = nil) {
        self.perTransfer = perTransfer
        self.perDay = perDay
    }
}
