/// One frame between vpcd and the card, decoded.
///
/// vsmartcard's wire format (`vpcd.c`, `sendToVICC` / `recvFromVICC`):
///
///     length (2 bytes, big-endian) ‖ payload (length bytes)
///
/// From vpcd, a 1-byte payload is a control code (``VPCDControl``) and a longer one is a command
/// APDU. From the card, a payload is the ATR (after GET ATR) or a response APDU (data ‖ SW1 SW2).
public enum VPCDMessage: Equatable, Sendable {
    case control(VPCDControl)
    case apdu([UInt8])

    /// The largest payload a frame can carry: the length field has 16 bits.
    public static let maxPayload = 0xFFFF

    /// Decodes a payload from vpcd: an empty payload and an unknown control code are errors.
    public init(parsingPayload payload: [UInt8]) throws(VPCDFrameError) {
        switch payload.count {
        case 0:
            throw .emptyFrame
        case 1:
            guard let control = VPCDControl(rawValue: payload[0]) else { throw .unknownControl(payload[0]) }
            self = .control(control)
        default:
            self = .apdu(payload)
        }
    }

    /// The payload of this message (without the length field).
    public var payload: [UInt8] {
        switch self {
        case .control(let control): return [control.rawValue]
        case .apdu(let apdu): return apdu
        }
    }

    /// The whole frame for `payload` (an ATR, a response APDU, or a message's ``payload``):
    /// `length(2, big-endian) ‖ payload`.
    public static func frame(_ payload: [UInt8]) throws(VPCDFrameError) -> [UInt8] {
        guard payload.count <= maxPayload else { throw .payloadTooLong(payload.count) }
        return [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
    }
}
