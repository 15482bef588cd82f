/// Why bytes are not an answer-to-reset (ISO/IEC 7816-3 §8.2).
public enum ATRError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input ends where `expected`, at `offset`, should be.
    case truncated(expected: ATRField, offset: Int)
    /// TS is neither 3B (direct convention) nor 3F (inverse convention) (§8.1).
    case invalidTS(UInt8)
    /// The XOR of T0…TCK is not zero: `expected` is the TCK that would make it zero (§8.2.5).
    case invalidTCK(expected: UInt8, found: UInt8)
    /// T0 and the TD bytes announce an ATR of at least `minimumLength` bytes; at most 33 are
    /// allowed (TS and 32 more, §8.2). Detected as soon as it is announced, even if the input is shorter.
    case tooLong(minimumLength: Int)
    /// The ATR is complete and valid at `offset`, but more bytes follow.
    case trailingBytes(offset: Int)

    public var description: String {
        switch self {
        case .truncated(let field, let offset):
            return "ATR truncated: \(field.name) expected at offset \(offset)"
        case .invalidTS(let ts):
            return "invalid TS " + hexByte(ts) + " (3B direct or 3F inverse convention expected)"
        case .invalidTCK(let expected, let found):
            return "invalid TCK " + hexByte(found) + ", expected " + hexByte(expected)
        case .tooLong(let length):
            return "ATR of at least \(length) bytes announced, at most 33 allowed"
        case .trailingBytes(let offset):
            return "bytes follow the ATR, from offset \(offset)"
        }
    }
}
