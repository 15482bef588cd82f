/// The standard device descriptor (USB 2.0 §9.6.1, Table 9-8), 18 bytes, little-endian:
///
///     0 bLength 1 bDescriptorType(01) 2 bcdUSB 4 bDeviceClass 5 bDeviceSubClass
///     6 bDeviceProtocol 7 bMaxPacketSize0 8 idVendor 10 idProduct 12 bcdDevice
///     14 iManufacturer 15 iProduct 16 iSerialNumber 17 bNumConfigurations
public struct USBDeviceDescriptor: Hashable, Sendable {
    public static let count = 18
    public var idVendor: UInt16
    public var idProduct: UInt16
    public var bcdDevice: UInt16
    public var iManufacturer: UInt8
    public var iProduct: UInt8
    public var iSerialNumber: UInt8

    public init(idVendor: UInt16, idProduct: UInt16, bcdDevice: UInt16 = 0, iManufacturer: UInt8 = 0,
                iProduct: UInt8 = 0, iSerialNumber: UInt8 = 0) {
        self.idVendor = idVendor
        self.idProduct = idProduct
        self.bcdDevice = bcdDevice
        self.iManufacturer = iManufacturer
        self.iProduct = iProduct
        self.iSerialNumber = iSerialNumber
    }

    public init(parsing b: [UInt8]) throws(DriverError) {
        guard b.count >= USBDeviceDescriptor.count, b[0] >= UInt8(USBDeviceDescriptor.count), b[1] == 0x01 else {
            throw .communication("bad device descriptor (\(b.count) bytes)")
        }
        self.init(idVendor: UInt16(b[8]) | UInt16(b[9]) << 8, idProduct: UInt16(b[10]) | UInt16(b[11]) << 8,
                  bcdDevice: UInt16(b[12]) | UInt16(b[13]) << 8,
                  iManufacturer: b[14], iProduct: b[15], iSerialNumber: b[16])
    }

    /// The text of a string descriptor (USB 2.0 §9.6.7: bLength, 03, UTF-16LE); `nil` if malformed.
    public static func string(fromDescriptor b: [UInt8]) -> String? {
        guard b.count >= 2, b[1] == 0x03, Int(b[0]) <= b.count, b[0] >= 2, b[0] % 2 == 0 else { return nil }
        var units: [UInt16] = []
        var at = 2
        while at + 1 < Int(b[0]) {
            units.append(UInt16(b[at]) | UInt16(b[at + 1]) << 8)
            at += 2
        }
        return String(decoding: units, as: UTF16.self)
    }
}
