/// A PC/SC part 10 feature tag (FEATURE_* in pcsc-lite's reader.h): what a reader offers through
/// SCardControl, each with a control code from CM_IOCTL_GET_FEATURE_REQUEST.
public struct PCSCFeature: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let verifyPINStart = PCSCFeature(rawValue: 0x01)
    public static let verifyPINFinish = PCSCFeature(rawValue: 0x02)
    public static let modifyPINStart = PCSCFeature(rawValue: 0x03)
    public static let modifyPINFinish = PCSCFeature(rawValue: 0x04)
    public static let getKeyPressed = PCSCFeature(rawValue: 0x05)
    public static let verifyPINDirect = PCSCFeature(rawValue: 0x06)
    public static let modifyPINDirect = PCSCFeature(rawValue: 0x07)
    public static let mctReaderDirect = PCSCFeature(rawValue: 0x08)
    public static let mctUniversal = PCSCFeature(rawValue: 0x09)
    public static let ifdPINProperties = PCSCFeature(rawValue: 0x0A)
    public static let abort = PCSCFeature(rawValue: 0x0B)
    public static let setSPEMessage = PCSCFeature(rawValue: 0x0C)
    public static let verifyPINDirectAppID = PCSCFeature(rawValue: 0x0D)
    public static let modifyPINDirectAppID = PCSCFeature(rawValue: 0x0E)
    public static let writeDisplay = PCSCFeature(rawValue: 0x0F)
    public static let getKey = PCSCFeature(rawValue: 0x10)
    public static let ifdDisplayProperties = PCSCFeature(rawValue: 0x11)
    /// FEATURE_GET_TLV_PROPERTIES: the reader's properties (``PCSCTLVProperties``).
    public static let getTLVProperties = PCSCFeature(rawValue: 0x12)
    public static let ccidEscCommand = PCSCFeature(rawValue: 0x13)
    public static let executePACE = PCSCFeature(rawValue: 0x20)

    /// The reader.h name (`FEATURE_GET_TLV_PROPERTIES`), or `FEATURE_0x…`.
    public var name: String {
        let names = ["VERIFY_PIN_START", "VERIFY_PIN_FINISH", "MODIFY_PIN_START", "MODIFY_PIN_FINISH",
                     "GET_KEY_PRESSED", "VERIFY_PIN_DIRECT", "MODIFY_PIN_DIRECT", "MCT_READER_DIRECT",
                     "MCT_UNIVERSAL", "IFD_PIN_PROPERTIES", "ABORT", "SET_SPE_MESSAGE", "VERIFY_PIN_DIRECT_APP_ID",
                     "MODIFY_PIN_DIRECT_APP_ID", "WRITE_DISPLAY", "GET_KEY", "IFD_DISPLAY_PROPERTIES",
                     "GET_TLV_PROPERTIES", "CCID_ESC_COMMAND"]
        if (1...0x13).contains(rawValue) { return "FEATURE_" + names[Int(rawValue) - 1] }
        if self == .executePACE { return "FEATURE_EXECUTE_PACE" }
        return "FEATURE_0x" + String(rawValue, radix: 16, uppercase: true)
    }

    public var description: String { name }

    public static func < (a: PCSCFeature, b: PCSCFeature) -> Bool { a.rawValue < b.rawValue }
}
