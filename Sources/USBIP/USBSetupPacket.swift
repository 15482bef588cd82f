/// The 8-byte SETUP packet of a control transfer (USB 2.0 §9.3), carried in `setup[8]` of
/// USBIP_CMD_SUBMIT. Unlike the USB/IP header around it, its words are little-endian:
///
///     0 bmRequestType  1 bRequest  2 wValue (2)  4 wIndex (2)  6 wLength (2)
public struct USBSetupPacket: Hashable, Sendable {
    public static let count = 8

    public var bmRequestType: UInt8
    public var bRequest: UInt8
    public var wValue: UInt16
    public var wIndex: UInt16
    public var wLength: UInt16

    public init(bmRequestType: UInt8, bRequest: UInt8, wValue: UInt16 = 0, wIndex: UInt16 = 0, wLength: UInt16 = 0) {
        self.bmRequestType = bmRequestType
        self.bRequest = bRequest
        self.wValue = wValue
        self.wIndex = wIndex
        self.wLength = wLength
    }

    /// All zero: the setup field of a transfer that is not a control transfer.
    public static let zero = USBSetupPacket(bmRequestType: 0, bRequest: 0)

    /// Parses exactly 8 bytes.
    public init(parsing bytes: some Collection<UInt8>) throws(USBIPError) {
        let b = Array(bytes)
        guard b.count >= USBSetupPacket.count else { throw .truncated(needed: USBSetupPacket.count, available: b.count) }
        guard b.count == USBSetupPacket.count else {
            throw .trailingBytes(expected: USBSetupPacket.count, available: b.count)
        }
        self.init(b, at: 0)
    }

    /// Decodes the 8 bytes at `at`.
    init(_ b: [UInt8], at: Int) {
        self.init(bmRequestType: b[at], bRequest: b[at + 1],
                  wValue: UInt16(b[at + 2]) | UInt16(b[at + 3]) << 8,
                  wIndex: UInt16(b[at + 4]) | UInt16(b[at + 5]) << 8,
                  wLength: UInt16(b[at + 6]) | UInt16(b[at + 7]) << 8)
    }

    /// Bit 7 of bmRequestType: data stage device-to-host.
    public var isDeviceToHost: Bool { bmRequestType & 0x80 != 0 }
    /// Bits 5–6 of bmRequestType: 0 standard, 1 class, 2 vendor.
    public var requestType: UInt8 { bmRequestType >> 5 & 0x03 }
    /// Bits 0–4 of bmRequestType: 0 device, 1 interface, 2 endpoint, 3 other.
    public var recipient: UInt8 { bmRequestType & 0x1F }

    // Standard bRequest codes (USB 2.0 Table 9-4).
    public static let GET_STATUS: UInt8 = 0x00
    public static let CLEAR_FEATURE: UInt8 = 0x01
    public static let SET_FEATURE: UInt8 = 0x03
    public static let SET_ADDRESS: UInt8 = 0x05
    public static let GET_DESCRIPTOR: UInt8 = 0x06
    public static let SET_DESCRIPTOR: UInt8 = 0x07
    public static let GET_CONFIGURATION: UInt8 = 0x08
    public static let SET_CONFIGURATION: UInt8 = 0x09
    public static let GET_INTERFACE: UInt8 = 0x0A
    public static let SET_INTERFACE: UInt8 = 0x0B

    public var bytes: [UInt8] {
        [bmRequestType, bRequest,
         UInt8(truncatingIfNeeded: wValue), UInt8(truncatingIfNeeded: wValue >> 8),
         UInt8(truncatingIfNeeded: wIndex), UInt8(truncatingIfNeeded: wIndex >> 8),
         UInt8(truncatingIfNeeded: wLength), UInt8(truncatingIfNeeded: wLength >> 8)]
    }
}
