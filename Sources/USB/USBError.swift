import ISO7816

/// Why bytes are not a valid setup packet or standard descriptor (USB 2.0 §9.3, §9.6).
public enum USBError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `needed` bytes were wanted, `available` are there.
    case truncated(needed: Int, available: Int)
    /// More bytes than the structure has.
    case trailingBytes(expected: Int, available: Int)
    /// A descriptor whose bLength is below its minimum or runs past the bytes.
    case badLength(bDescriptorType: UInt8, bLength: UInt8)
    /// A descriptor of another type than the one asked for.
    case wrongType(expected: UInt8, found: UInt8)

    init(_ error: ByteReadError) {
        self = .truncated(needed: error.needed, available: error.available)
    }

    public var description: String {
        switch self {
        case .truncated(let needed, let available):
            return "USB: \(needed) bytes needed, \(available) available"
        case .trailingBytes(let expected, let available):
            return "USB: \(available) bytes where \(expected) were expected"
        case .badLength(let type, let length):
            return "USB descriptor type " + hexByte(type) + " with bLength \(length)"
        case .wrongType(let expected, let found):
            return "USB descriptor type " + hexByte(found) + " where " + hexByte(expected) + " was expected"
        }
    }
}
