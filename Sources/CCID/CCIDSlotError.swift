import ISO7816

/// bError, the slot error register of RDR_to_PC bulk messages (CCID rev 1.1 §6.2.6,
/// Table 6.2-2). Meaningful when bmCommandStatus is 1 (failed); with a time extension
/// (bmCommandStatus 2) the byte is the BWT multiplier instead.
///
/// 0x00 means "command not supported"; 0x01…0x7F is the offset of the first bad field of the
/// command; 0x80…0xFF are the named errors below (0xC0…0x81 user-defined).
public struct CCIDSlotError: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    public static let CMD_ABORTED = CCIDSlotError(0xFF)
    public static let ICC_MUTE = CCIDSlotError(0xFE)
    public static let XFR_PARITY_ERROR = CCIDSlotError(0xFD)
    public static let XFR_OVERRUN = CCIDSlotError(0xFC)
    public static let HW_ERROR = CCIDSlotError(0xFB)
    public static let BAD_ATR_TS = CCIDSlotError(0xF8)
    public static let BAD_ATR_TCK = CCIDSlotError(0xF7)
    public static let ICC_PROTOCOL_NOT_SUPPORTED = CCIDSlotError(0xF6)
    public static let ICC_CLASS_NOT_SUPPORTED = CCIDSlotError(0xF5)
    public static let PROCEDURE_BYTE_CONFLICT = CCIDSlotError(0xF4)
    public static let DEACTIVATED_PROTOCOL = CCIDSlotError(0xF3)
    public static let BUSY_WITH_AUTO_SEQUENCE = CCIDSlotError(0xF2)
    public static let PIN_TIMEOUT = CCIDSlotError(0xF0)
    public static let PIN_CANCELLED = CCIDSlotError(0xEF)
    public static let CMD_SLOT_BUSY = CCIDSlotError(0xE0)
    /// bError 00: the command is not supported (also the value sent with no error).
    public static let commandNotSupported = CCIDSlotError(0x00)

    /// The error "the field at `offset` of the command is not supported or incorrect"
    /// (1…127; offset 0 is `commandNotSupported`).
    public static func badParameter(offset: UInt8) -> CCIDSlotError { CCIDSlotError(offset & 0x7F) }

    /// The offset of the bad command field, for 0x01…0x7F.
    public var parameterOffset: UInt8? { (1...0x7F).contains(rawValue) ? rawValue : nil }

    /// The spec's name, or a description of the offset / user-defined value.
    public var name: String {
        switch rawValue {
        case 0xFF: return "CMD_ABORTED"
        case 0xFE: return "ICC_MUTE"
        case 0xFD: return "XFR_PARITY_ERROR"
        case 0xFC: return "XFR_OVERRUN"
        case 0xFB: return "HW_ERROR"
        case 0xF8: return "BAD_ATR_TS"
        case 0xF7: return "BAD_ATR_TCK"
        case 0xF6: return "ICC_PROTOCOL_NOT_SUPPORTED"
        case 0xF5: return "ICC_CLASS_NOT_SUPPORTED"
        case 0xF4: return "PROCEDURE_BYTE_CONFLICT"
        case 0xF3: return "DEACTIVATED_PROTOCOL"
        case 0xF2: return "BUSY_WITH_AUTO_SEQUENCE"
        case 0xF0: return "PIN_TIMEOUT"
        case 0xEF: return "PIN_CANCELLED"
        case 0xE0: return "CMD_SLOT_BUSY"
        case 0x00: return "command not supported"
        case 0x01...0x7F: return "bad parameter at offset \(rawValue)"
        default: return "error " + hexByte(rawValue)
        }
    }

    public var description: String { name }
}
