import ISO7816

/// Why bytes are not a valid CCID message or class descriptor.
///
/// Errors found after the header was read carry it, so that a device can answer with the
/// spec's failure reply: same bSlot and bSeq, bmCommandStatus 1 and the bError that
/// `slotError` gives (CCID rev 1.1 §6.2.6: 00 "command not supported", else the offset of
/// the bad field).
public enum CCIDError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Fewer than 10 bytes: no complete header.
    case headerTooShort(count: Int)
    /// dwLength announces more bytes than are present (`available` counts header + data).
    case truncated(CCIDHeader, available: Int)
    /// More bytes are present than dwLength announces.
    case trailingBytes(CCIDHeader, available: Int)
    /// 10 + dwLength exceeds the maximum message length (dwMaxCCIDMessageLength).
    case messageTooLong(CCIDHeader, maximum: Int)
    /// bMessageType is not a message of the expected direction.
    case unknownMessageType(CCIDHeader)
    /// The field at byte `offset` holds a value the spec does not allow for this message
    /// (offset 1 is dwLength: a fixed-size message with another length).
    case badParameter(CCIDHeader, offset: UInt8)
    /// bStatus has a reserved bmICCStatus or bmCommandStatus value (3).
    case invalidStatus(CCIDHeader, bStatus: UInt8)
    /// An interrupt-IN message with the wrong size for its type.
    case badInterruptMessage(bMessageType: UInt8, count: Int)
    /// A class descriptor that is not 54 bytes, or whose byte at `offset` (bLength,
    /// bDescriptorType) is wrong.
    case invalidDescriptor(count: Int, offset: Int)
    /// A stream reader was fed more than its capacity without its messages being taken.
    case bufferFull(capacity: Int)

    /// The header of the message the error is about, when it was read.
    public var header: CCIDHeader? {
        switch self {
        case .truncated(let h, _), .trailingBytes(let h, _), .messageTooLong(let h, _),
             .unknownMessageType(let h), .badParameter(let h, _), .invalidStatus(let h, _):
            return h
        case .headerTooShort, .badInterruptMessage, .invalidDescriptor, .bufferFull:
            return nil
        }
    }

    /// The bError a device answers with (bmCommandStatus = 1), when there is a header to answer.
    public var slotError: CCIDSlotError? {
        switch self {
        case .unknownMessageType: return .commandNotSupported
        case .truncated, .trailingBytes, .messageTooLong: return .badParameter(offset: 1)
        case .badParameter(_, let offset): return .badParameter(offset: offset)
        case .invalidStatus: return .badParameter(offset: 7)
        case .headerTooShort, .badInterruptMessage, .invalidDescriptor, .bufferFull: return nil
        }
    }

    public var description: String {
        switch self {
        case .headerTooShort(let count):
            return "CCID header needs 10 bytes, got \(count)"
        case .truncated(let h, let available):
            return "CCID message " + hexByte(h.bMessageType)
                + " truncated: dwLength \(h.dwLength) needs \(h.messageLength) bytes, got \(available)"
        case .trailingBytes(let h, let available):
            return "CCID message " + hexByte(h.bMessageType)
                + ": dwLength \(h.dwLength) gives \(h.messageLength) bytes, got \(available)"
        case .messageTooLong(let h, let maximum):
            return "CCID message " + hexByte(h.bMessageType)
                + " of \(h.messageLength) bytes exceeds dwMaxCCIDMessageLength \(maximum)"
        case .unknownMessageType(let h):
            return "unknown CCID bMessageType " + hexByte(h.bMessageType)
        case .badParameter(let h, let offset):
            return "CCID message " + hexByte(h.bMessageType) + ": bad parameter at offset \(offset)"
        case .invalidStatus(let h, let status):
            return "CCID message " + hexByte(h.bMessageType) + ": reserved bStatus " + hexByte(status)
        case .badInterruptMessage(let type, let count):
            return "CCID interrupt message " + hexByte(type) + " of \(count) bytes"
        case .invalidDescriptor(let count, let offset):
            return "invalid CCID class descriptor (\(count) bytes, bad byte at offset \(offset))"
        case .bufferFull(let capacity):
            return "CCID message reader buffer full (\(capacity) bytes)"
        }
    }
}
