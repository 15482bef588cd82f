/// A reader attribute id for SCardGetAttrib: SCARD_ATTR_VALUE(class, tag) = class << 16 | tag
/// (pcsc-lite reader.h). The driver answers most of them; pcsc-lite answers the device names.
public struct PCSCAttribute: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt

    public init(rawValue: UInt) { self.rawValue = rawValue }

    /// SCARD_ATTR_VALUE(`attributeClass`, `tag`).
    public init(class attributeClass: UInt, tag: UInt) { rawValue = attributeClass << 16 | tag }

    /// SCARD_ATTR_VENDOR_NAME: the reader's manufacturer, a string.
    public static let vendorName = PCSCAttribute(class: 1, tag: 0x0100)
    /// SCARD_ATTR_VENDOR_IFD_TYPE: the reader's model, a string.
    public static let vendorIFDType = PCSCAttribute(class: 1, tag: 0x0101)
    /// SCARD_ATTR_VENDOR_IFD_VERSION: a DWORD 0xMMmmbbbb (major, minor, build).
    public static let vendorIFDVersion = PCSCAttribute(class: 1, tag: 0x0102)
    /// SCARD_ATTR_VENDOR_IFD_SERIAL_NO: the reader's serial number, a string.
    public static let vendorIFDSerialNumber = PCSCAttribute(class: 1, tag: 0x0103)
    /// SCARD_ATTR_CHANNEL_ID: a DWORD 0xDDDDCCCC, channel type (0x0020 USB) and number.
    public static let channelID = PCSCAttribute(class: 2, tag: 0x0110)
    /// SCARD_ATTR_CURRENT_PROTOCOL_TYPE.
    public static let currentProtocolType = PCSCAttribute(class: 8, tag: 0x0201)
    /// SCARD_ATTR_ICC_PRESENCE: one byte, 0 absent, 1 present, 2 present and swallowed.
    public static let iccPresence = PCSCAttribute(class: 9, tag: 0x0300)
    /// SCARD_ATTR_ICC_INTERFACE_STATUS: one byte, non-zero when the contacts are active.
    public static let iccInterfaceStatus = PCSCAttribute(class: 9, tag: 0x0301)
    /// SCARD_ATTR_ATR_STRING: the card's ATR.
    public static let atrString = PCSCAttribute(class: 9, tag: 0x0303)
    /// SCARD_ATTR_MAXINPUT: a DWORD, the largest command the reader takes in one message.
    public static let maxInput = PCSCAttribute(class: 7, tag: 0xA007)
    /// SCARD_ATTR_DEVICE_FRIENDLY_NAME (the A variant): the reader's name, from pcsc-lite.
    public static let deviceFriendlyName = PCSCAttribute(class: 0x7FFF, tag: 0x0003)
    /// SCARD_ATTR_DEVICE_SYSTEM_NAME (the A variant).
    public static let deviceSystemName = PCSCAttribute(class: 0x7FFF, tag: 0x0004)

    /// The reader.h name, or the hex id.
    public var description: String {
        let names: [PCSCAttribute: String] = [
            .vendorName: "SCARD_ATTR_VENDOR_NAME", .vendorIFDType: "SCARD_ATTR_VENDOR_IFD_TYPE",
            .vendorIFDVersion: "SCARD_ATTR_VENDOR_IFD_VERSION", .vendorIFDSerialNumber: "SCARD_ATTR_VENDOR_IFD_SERIAL_NO",
            .channelID: "SCARD_ATTR_CHANNEL_ID", .currentProtocolType: "SCARD_ATTR_CURRENT_PROTOCOL_TYPE",
            .iccPresence: "SCARD_ATTR_ICC_PRESENCE", .iccInterfaceStatus: "SCARD_ATTR_ICC_INTERFACE_STATUS",
            .atrString: "SCARD_ATTR_ATR_STRING", .maxInput: "SCARD_ATTR_MAXINPUT",
            .deviceFriendlyName: "SCARD_ATTR_DEVICE_FRIENDLY_NAME", .deviceSystemName: "SCARD_ATTR_DEVICE_SYSTEM_NAME",
        ]
        return names[self] ?? "0x" + String(rawValue, radix: 16, uppercase: true)
    }

    /// A string attribute's text: UTF-8, up to the first NUL (drivers differ on the terminator).
    public static func string(_ value: [UInt8]) -> String {
        String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// A DWORD attribute's value: little-endian, 1 to 4 bytes (some drivers send a byte);
    /// `nil` for an empty or longer value.
    public static func integer(_ value: [UInt8]) -> UInt32? {
        guard (1...4).contains(value.count) else { return nil }
        return value.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }
}
