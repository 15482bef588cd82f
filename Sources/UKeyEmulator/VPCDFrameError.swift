import ISO7816

/// Why a vpcd frame is malformed. The link drops the connection on any of these and reconnects.
public enum VPCDFrameError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A frame with length 0: vpcd never sends one.
    case emptyFrame
    /// A 1-byte payload that is not a ``VPCDControl`` code.
    case unknownControl(UInt8)
    /// A payload longer than the 16-bit length field can announce (only when framing a reply).
    case payloadTooLong(Int)
    /// The peer closed the connection in the middle of a frame (`have` of `expected` bytes).
    case truncated(have: Int, expected: Int)

    public var description: String {
        switch self {
        case .emptyFrame: return "empty frame (length 0)"
        case .unknownControl(let code): return "unknown control code 0x" + hexByte(code)
        case .payloadTooLong(let count): return "payload of \(count) bytes does not fit a 16-bit length"
        case .truncated(let have, let expected): return "connection closed inside a frame (\(have) of \(expected) bytes)"
        }
    }
}
