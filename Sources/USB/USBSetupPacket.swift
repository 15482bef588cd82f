import ISO7816

/// The 8-byte SETUP packet of a control transfer (USB 2.0 §9.3), little-endian (USB/IP carries
/// it unchanged in `setup[8]` of USBIP_CMD_SUBMIT):
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
    public init(parsing bytes: some Collection<UInt8>) throws(USBError) {
        var reader = ByteReader(bytes)
        do {
            try reader.require(USBSetupPacket.count)
            try self.init(reading: &reader)
        } catch {
            throw USBError(error)
        }
        guard reader.isAtEnd else { throw .trailingBytes(expected: USBSetupPacket.count, available: reader.bytes.count) }
    }

    /// Reads the next 8 bytes of `reader`.
    public init(reading reader: inout ByteReader) throws(ByteReadError) {
        self.init(bmRequestType: try reader.readByte(), bRequest: try reader.readByte(), wValue: try reader.readLE16(),
                  wIndex: try reader.readLE16(), wLength: try reader.readLE16())
    }

    /// A standard GET_DESCRIPTOR request (USB 2.0 §9.4.3): type in the high byte of wValue, the
    /// index in the low byte, the language (strings) in wIndex.
    public static func getDescriptor(type: UInt8, index: UInt8 = 0, languageID: UInt16 = 0,
                                     length: UInt16) -> USBSetupPacket {
        USBSetupPacket(bmRequestType: 0x80, bRequest: GET_DESCRIPTOR, wValue: UInt16(type) << 8 | UInt16(index),
                       wIndex: languageID, wLength: length)
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
    // Standard feature selectors (USB 2.0 Table 9-6).
    public static let ENDPOINT_HALT: UInt16 = 0

    public var bytes: [UInt8] {
        var out: [UInt8] = [bmRequestType, bRequest]
        out.reserveCapacity(USBSetupPacket.count)
        out.appendLE16(wValue)
        out.appendLE16(wIndex)
        out.appendLE16(wLength)
        return out
    }
}
