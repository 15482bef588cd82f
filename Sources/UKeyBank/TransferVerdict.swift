import UKey
import ISO7816

/// The bank's answer to a signed transfer.
///
/// JSON form: `{ "verdict": "accepted", "accepted": { … } }` (``AcceptedTransfer``) or
/// `{ "verdict": "rejected", "rejection": { "code": …, "message": …, … } }` (``TransferRejection``).
public enum TransferVerdict: Hashable, Sendable, Codable, CustomStringConvertible {
    case accepted(AcceptedTransfer)
    case rejected(TransferRejection)

    /// Whether the transfer was accepted.
    public var isAccepted: Bool {
        if case .accepted = self { return true }
        return false
    }

    /// The reason for a refusal, `nil` for an acceptance.
    public var rejection: TransferRejection? {
        if case .rejected(let reason) = self { return reason }
        return nil
    }

    public var description: String {
        switch self {
        case .accepted(let details):
            return "accepted: \(details.amount) \(details.transfer.currency) to \(details.transfer.payeeName) (\(details.transfer.payeeAccount)), token \(details.tokenSerial.hexString), counter \(details.counter)"
        case .rejected(let reason): return "rejected (\(reason.code)): \(reason)"
        }
    }

    private enum CodingKeys: String, CodingKey {
        case verdict, accepted, rejection
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .verdict) {
        case "accepted": self = .accepted(try c.decode(AcceptedTransfer.self, forKey: .accepted))
        case "rejected": self = .rejected(try c.decode(TransferRejection.self, forKey: .rejection))
        case let other: throw DecodingError.dataCorruptedError(forKey: .verdict, in: c, debugDescription: "unknown verdict \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .accepted(let details):
            try c.encode("accepted", forKey: .verdict)
            try c.encode(details, forKey: .accepted)
        case .rejected(let reason):
            try c.encode("rejected", forKey: .verdict)
            try c.encode(reason, forKey: .rejection)
        }
    }
}
