import ISO7816

/// The standard descriptor types (USB 2.0 Table 9-5).
public enum USBDescriptorType {
    public static let DEVICE: UInt8 = 0x01
    public static let CONFIGURATION: UInt8 = 0x02
    public static let STRING: UInt8 = 0x03
    public static let INTERFACE: UInt8 = 0x04
    public static let ENDPOINT: UInt8 = 0x05
}

/// The standard device descriptor (USB 2.0 §9.6.1, Table 9-8), 18 bytes, little-endian:
///
///     0 bLength 1 bDescriptorType(01) 2 bcdUSB 4 bDeviceClass 5 bDeviceSubClass
///     6 bDeviceProtocol 7 bMaxPacketSize0 8 idVendor 10 idProduct 12 bcdDevice
///     14 iManufacturer 15 iProduct 16 iSerialNumber 17 bNumConfigurations
public struct USBDeviceDescriptor: Hashable, Sendable {
    public static let count = 18

    public var bcdUSB: UInt16
    public var bDeviceClass: UInt8
    public var bDeviceSubClass: UInt8
    public var bDeviceProtocol: UInt8
    public var bMaxPacketSize0: UInt8
    public var idVendor: UInt16
    public var idProduct: UInt16
    public var bcdDevice: UInt16
    public var iManufacturer: UInt8
    public var iProduct: UInt8
    public var iSerialNumber: UInt8
    public var bNumConfigurations: UInt8

    public init(bcdUSB: UInt16 = 0x0200, bDeviceClass: UInt8 = 0, bDeviceSubClass: UInt8 = 0, bDeviceProtocol: UInt8 = 0,
                bMaxPacketSize0: UInt8 = 64, idVendor: UInt16, idProduct: UInt16, bcdDevice: UInt16 = 0,
                iManufacturer: UInt8 = 0, iProduct: UInt8 = 0, iSerialNumber: UInt8 = 0, bNumConfigurations: UInt8 = 1) {
        self.bcdUSB = bcdUSB
        self.bDeviceClass = bDeviceClass
        self.bDeviceSubClass = bDeviceSubClass
        self.bDeviceProtocol = bDeviceProtocol
        self.bMaxPacketSize0 = bMaxPacketSize0
        self.idVendor = idVendor
        self.idProduct = idProduct
        self.bcdDevice = bcdDevice
        self.iManufacturer = iManufacturer
        self.iProduct = iProduct
        self.iSerialNumber = iSerialNumber
        self.bNumConfigurations = bNumConfigurations
    }

    /// Parses the descriptor at the start of `bytes`: bLength at least 18 and within the
    /// bytes, bDescriptorType DEVICE. Bytes after bLength are not looked at.
    public init(parsing bytes: some Collection<UInt8>) throws(USBError) {
        var r = ByteReader(try USBDescriptorHeader.body(bytes, type: USBDescriptorType.DEVICE,
                                                        minimum: USBDeviceDescriptor.count), at: 2)
        do throws(ByteReadError) {
            self.init(bcdUSB: try r.readLE16(), bDeviceClass: try r.readByte(), bDeviceSubClass: try r.readByte(),
                      bDeviceProtocol: try r.readByte(), bMaxPacketSize0: try r.readByte(), idVendor: try r.readLE16(),
                      idProduct: try r.readLE16(), bcdDevice: try r.readLE16(), iManufacturer: try r.readByte(),
                      iProduct: try r.readByte(), iSerialNumber: try r.readByte(), bNumConfigurations: try r.readByte())
        } catch {
            throw USBError(error)
        }
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = [UInt8(USBDeviceDescriptor.count), USBDescriptorType.DEVICE]
        out.reserveCapacity(USBDeviceDescriptor.count)
        out.appendLE16(bcdUSB)
        out += [bDeviceClass, bDeviceSubClass, bDeviceProtocol, bMaxPacketSize0]
        out.appendLE16(idVendor)
        out.appendLE16(idProduct)
        out.appendLE16(bcdDevice)
        out += [iManufacturer, iProduct, iSerialNumber, bNumConfigurations]
        return out
    }
}

/// The two bytes every descriptor starts with (USB 2.0 §9.6): bLength, bDescriptorType.
enum USBDescriptorHeader {
    /// The first bLength bytes of `bytes`, after checking that they are there, that bLength is
    /// at least `minimum` and that bDescriptorType is `type`.
    static func body(_ bytes: some Collection<UInt8>, type: UInt8, minimum: Int) throws(USBError) -> [UInt8] {
        let b = Array(bytes)
        guard b.count >= 2 else { throw .truncated(needed: Swift.max(2, minimum), available: b.count) }
        guard b[1] == type else { throw .wrongType(expected: type, found: b[1]) }
        guard Int(b[0]) >= minimum else { throw .badLength(bDescriptorType: type, bLength: b[0]) }
        guard Int(b[0]) <= b.count else { throw .truncated(needed: Int(b[0]), available: b.count) }
        return Array(b.prefix(Int(b[0])))
    }
}
