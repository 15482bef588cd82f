import ISO7816

/// A configuration descriptor with everything under it, as GET_DESCRIPTOR(CONFIGURATION)
/// returns it (USB 2.0 §9.4.3, §9.6.3): the 9-byte header, then interface, endpoint and
/// class-specific descriptors in order. wTotalLength is computed when encoding.
///
///     0 bLength(09) 1 bDescriptorType(02) 2 wTotalLength 4 bNumInterfaces
///     5 bConfigurationValue 6 iConfiguration 7 bmAttributes 8 bMaxPower (2 mA units)
public struct USBConfigurationDescriptor: Hashable, Sendable {
    /// The size of the header.
    public static let count = 9

    public var bNumInterfaces: UInt8
    public var bConfigurationValue: UInt8
    public var iConfiguration: UInt8
    /// D7 reserved (set), D6 self-powered, D5 remote wake-up.
    public var bmAttributes: UInt8
    public var bMaxPower: UInt8
    /// The descriptors after the header, in the order they are sent.
    public var descriptors: [USBDescriptor]

    public init(bNumInterfaces: UInt8 = 1, bConfigurationValue: UInt8 = 1, iConfiguration: UInt8 = 0,
                bmAttributes: UInt8 = 0x80, bMaxPower: UInt8, descriptors: [USBDescriptor]) {
        self.bNumInterfaces = bNumInterfaces
        self.bConfigurationValue = bConfigurationValue
        self.iConfiguration = iConfiguration
        self.bmAttributes = bmAttributes
        self.bMaxPower = bMaxPower
        self.descriptors = descriptors
    }

    /// Parses a whole configuration (wTotalLength bytes; bytes after them are not looked at).
    /// Every descriptor's bLength is checked, so a malformed one is an error, never a crash.
    public init(parsing bytes: some Collection<UInt8>) throws(USBError) {
        let b = Array(bytes)
        let header = try USBDescriptorHeader.body(b, type: USBDescriptorType.CONFIGURATION,
                                                  minimum: USBConfigurationDescriptor.count)
        let total = Int(UInt16(header[2]) | UInt16(header[3]) << 8)
        guard total >= header.count else { throw .badLength(bDescriptorType: USBDescriptorType.CONFIGURATION, bLength: header[0]) }
        guard total <= b.count else { throw .truncated(needed: total, available: b.count) }
        var descriptors: [USBDescriptor] = []
        var at = header.count
        while at < total {
            guard at + 2 <= total else { throw .truncated(needed: at + 2, available: total) }
            let length = Int(b[at])
            guard length >= 2 else { throw .badLength(bDescriptorType: b[at + 1], bLength: b[at]) }
            guard at + length <= total else { throw .truncated(needed: at + length, available: total) }
            descriptors.append(try USBDescriptor(parsing: b[at..<at + length]))
            at += length
        }
        self.init(bNumInterfaces: header[4], bConfigurationValue: header[5], iConfiguration: header[6],
                  bmAttributes: header[7], bMaxPower: header[8], descriptors: descriptors)
    }

    /// The interface descriptors, in order.
    public var interfaces: [USBInterfaceDescriptor] {
        descriptors.compactMap { if case .interface(let interface) = $0 { interface } else { nil } }
    }

    /// wTotalLength: the header and every descriptor under it.
    public var wTotalLength: UInt16 {
        UInt16(truncatingIfNeeded: descriptors.reduce(USBConfigurationDescriptor.count) { $0 + $1.bytes.count })
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = [UInt8(USBConfigurationDescriptor.count), USBDescriptorType.CONFIGURATION]
        out.appendLE16(wTotalLength)
        out += [bNumInterfaces, bConfigurationValue, iConfiguration, bmAttributes, bMaxPower]
        for descriptor in descriptors { out += descriptor.bytes }
        return out
    }
}

/// One descriptor inside a configuration: a standard interface or endpoint descriptor, or any
/// other (class-specific, such as CCID's 0x21) kept as its bytes.
public enum USBDescriptor: Hashable, Sendable {
    case interface(USBInterfaceDescriptor)
    case endpoint(USBEndpointDescriptor)
    /// Another descriptor, bLength and bDescriptorType included.
    case other([UInt8])

    /// Parses one descriptor of exactly bLength bytes.
    public init(parsing bytes: some Collection<UInt8>) throws(USBError) {
        let b = Array(bytes)
        guard b.count >= 2 else { throw .truncated(needed: 2, available: b.count) }
        switch b[1] {
        case USBDescriptorType.INTERFACE: self = .interface(try USBInterfaceDescriptor(parsing: b))
        case USBDescriptorType.ENDPOINT: self = .endpoint(try USBEndpointDescriptor(parsing: b))
        default: self = .other(b)
        }
    }

    /// bDescriptorType.
    public var type: UInt8 {
        switch self {
        case .interface: USBDescriptorType.INTERFACE
        case .endpoint: USBDescriptorType.ENDPOINT
        case .other(let bytes): bytes.count > 1 ? bytes[1] : 0
        }
    }

    public var bytes: [UInt8] {
        switch self {
        case .interface(let interface): interface.bytes
        case .endpoint(let endpoint): endpoint.bytes
        case .other(let bytes): bytes
        }
    }
}

/// The interface descriptor (USB 2.0 §9.6.5, Table 9-12), 9 bytes:
///
///     0 bLength(09) 1 bDescriptorType(04) 2 bInterfaceNumber 3 bAlternateSetting
///     4 bNumEndpoints 5 bInterfaceClass 6 bInterfaceSubClass 7 bInterfaceProtocol 8 iInterface
public struct USBInterfaceDescriptor: Hashable, Sendable {
    public static let count = 9

    public var bInterfaceNumber: UInt8
    public var bAlternateSetting: UInt8
    public var bNumEndpoints: UInt8
    public var bInterfaceClass: UInt8
    public var bInterfaceSubClass: UInt8
    public var bInterfaceProtocol: UInt8
    public var iInterface: UInt8

    public init(bInterfaceNumber: UInt8 = 0, bAlternateSetting: UInt8 = 0, bNumEndpoints: UInt8, bInterfaceClass: UInt8,
                bInterfaceSubClass: UInt8 = 0, bInterfaceProtocol: UInt8 = 0, iInterface: UInt8 = 0) {
        self.bInterfaceNumber = bInterfaceNumber
        self.bAlternateSetting = bAlternateSetting
        self.bNumEndpoints = bNumEndpoints
        self.bInterfaceClass = bInterfaceClass
        self.bInterfaceSubClass = bInterfaceSubClass
        self.bInterfaceProtocol = bInterfaceProtocol
        self.iInterface = iInterface
    }

    public init(parsing bytes: some Collection<UInt8>) throws(USBError) {
        let b = try USBDescriptorHeader.body(bytes, type: USBDescriptorType.INTERFACE, minimum: USBInterfaceDescriptor.count)
        self.init(bInterfaceNumber: b[2], bAlternateSetting: b[3], bNumEndpoints: b[4], bInterfaceClass: b[5],
                  bInterfaceSubClass: b[6], bInterfaceProtocol: b[7], iInterface: b[8])
    }

    public var bytes: [UInt8] {
        [UInt8(USBInterfaceDescriptor.count), USBDescriptorType.INTERFACE, bInterfaceNumber, bAlternateSetting,
         bNumEndpoints, bInterfaceClass, bInterfaceSubClass, bInterfaceProtocol, iInterface]
    }
}

/// The endpoint descriptor (USB 2.0 §9.6.6, Table 9-13), 7 bytes:
///
///     0 bLength(07) 1 bDescriptorType(05) 2 bEndpointAddress (bit 7: IN)
///     3 bmAttributes (bits 0–1: 0 control, 1 isochronous, 2 bulk, 3 interrupt)
///     4 wMaxPacketSize 6 bInterval
public struct USBEndpointDescriptor: Hashable, Sendable {
    public static let count = 7
    public static let bulk: UInt8 = 0x02
    public static let interrupt: UInt8 = 0x03

    public var bEndpointAddress: UInt8
    public var bmAttributes: UInt8
    public var wMaxPacketSize: UInt16
    public var bInterval: UInt8

    public init(bEndpointAddress: UInt8, bmAttributes: UInt8, wMaxPacketSize: UInt16, bInterval: UInt8 = 0) {
        self.bEndpointAddress = bEndpointAddress
        self.bmAttributes = bmAttributes
        self.wMaxPacketSize = wMaxPacketSize
        self.bInterval = bInterval
    }

    public init(parsing bytes: some Collection<UInt8>) throws(USBError) {
        let b = try USBDescriptorHeader.body(bytes, type: USBDescriptorType.ENDPOINT, minimum: USBEndpointDescriptor.count)
        self.init(bEndpointAddress: b[2], bmAttributes: b[3], wMaxPacketSize: UInt16(b[4]) | UInt16(b[5]) << 8,
                  bInterval: b[6])
    }

    /// Bits 0–1 of bmAttributes.
    public var transferType: UInt8 { bmAttributes & 0x03 }
    /// Bit 7 of bEndpointAddress: device to host.
    public var isIn: Bool { bEndpointAddress & 0x80 != 0 }

    public var bytes: [UInt8] {
        var out: [UInt8] = [UInt8(USBEndpointDescriptor.count), USBDescriptorType.ENDPOINT, bEndpointAddress, bmAttributes]
        out.appendLE16(wMaxPacketSize)
        out.append(bInterval)
        return out
    }
}
