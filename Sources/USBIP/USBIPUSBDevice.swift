import ISO7816

/// The `usbip_usb_device` record of OP_REP_DEVLIST and OP_REP_IMPORT (usbip_protocol.rst,
/// tools/usb/usbip/libsrc/usbip_common.h), 312 bytes, big-endian:
///
///       0 path[256]   sysfs path of the device, NUL-padded
///     256 busid[32]   bus id ("1-1"), NUL-padded
///     288 busnum (4)  292 devnum (4)  296 speed (4, enum usb_device_speed)
///     300 idVendor (2)  302 idProduct (2)  304 bcdDevice (2)
///     306 bDeviceClass  bDeviceSubClass  bDeviceProtocol
///     309 bConfigurationValue  bNumConfigurations  bNumInterfaces
///
/// `path` and `busid` hold the bytes before the NUL padding; longer values are cut to the
/// array size when encoded.
public struct USBIPUSBDevice: Hashable, Sendable {
    public static let count = 312
    static let pathSize = 256
    static let busidSize = 32

    public var path: [UInt8]
    public var busid: [UInt8]
    public var busnum: UInt32
    public var devnum: UInt32
    public var speed: USBSpeed
    public var idVendor: UInt16
    public var idProduct: UInt16
    public var bcdDevice: UInt16
    public var bDeviceClass: UInt8
    public var bDeviceSubClass: UInt8
    public var bDeviceProtocol: UInt8
    public var bConfigurationValue: UInt8
    public var bNumConfigurations: UInt8
    public var bNumInterfaces: UInt8

    public init(path: [UInt8], busid: [UInt8], busnum: UInt32, devnum: UInt32, speed: USBSpeed,
                idVendor: UInt16, idProduct: UInt16, bcdDevice: UInt16, bDeviceClass: UInt8 = 0,
                bDeviceSubClass: UInt8 = 0, bDeviceProtocol: UInt8 = 0, bConfigurationValue: UInt8 = 1,
                bNumConfigurations: UInt8 = 1, bNumInterfaces: UInt8 = 1) {
        self.path = path
        self.busid = busid
        self.busnum = busnum
        self.devnum = devnum
        self.speed = speed
        self.idVendor = idVendor
        self.idProduct = idProduct
        self.bcdDevice = bcdDevice
        self.bDeviceClass = bDeviceClass
        self.bDeviceSubClass = bDeviceSubClass
        self.bDeviceProtocol = bDeviceProtocol
        self.bConfigurationValue = bConfigurationValue
        self.bNumConfigurations = bNumConfigurations
        self.bNumInterfaces = bNumInterfaces
    }

    /// Convenience with text path and bus id (UTF-8).
    public init(path: String, busid: String, busnum: UInt32, devnum: UInt32, speed: USBSpeed,
                idVendor: UInt16, idProduct: UInt16, bcdDevice: UInt16, bDeviceClass: UInt8 = 0,
                bDeviceSubClass: UInt8 = 0, bDeviceProtocol: UInt8 = 0, bConfigurationValue: UInt8 = 1,
                bNumConfigurations: UInt8 = 1, bNumInterfaces: UInt8 = 1) {
        self.init(path: Array(path.utf8), busid: Array(busid.utf8), busnum: busnum, devnum: devnum,
                  speed: speed, idVendor: idVendor, idProduct: idProduct, bcdDevice: bcdDevice,
                  bDeviceClass: bDeviceClass, bDeviceSubClass: bDeviceSubClass, bDeviceProtocol: bDeviceProtocol,
                  bConfigurationValue: bConfigurationValue, bNumConfigurations: bNumConfigurations,
                  bNumInterfaces: bNumInterfaces)
    }

    /// Parses exactly 312 bytes.
    public init(parsing bytes: some Collection<UInt8>) throws(USBIPError) {
        let b = Array(bytes)
        guard b.count >= USBIPUSBDevice.count else {
            throw .truncated(needed: USBIPUSBDevice.count, available: b.count)
        }
        guard b.count == USBIPUSBDevice.count else {
            throw .trailingBytes(expected: USBIPUSBDevice.count, available: b.count)
        }
        try self.init(record: b, at: 0)
    }

    /// Decodes the record at `offset` (the caller checked that 312 bytes are there).
    init(record b: [UInt8], at offset: Int) throws(USBIPError) {
        self.init(path: try b.fixedString(at: offset, size: USBIPUSBDevice.pathSize),
                  busid: try b.fixedString(at: offset + 256, size: USBIPUSBDevice.busidSize),
                  busnum: try b.be32(at: offset + 288), devnum: try b.be32(at: offset + 292),
                  speed: USBSpeed(rawValue: try b.be32(at: offset + 296)),
                  idVendor: try b.be16(at: offset + 300), idProduct: try b.be16(at: offset + 302),
                  bcdDevice: try b.be16(at: offset + 304), bDeviceClass: try b.byte(at: offset + 306),
                  bDeviceSubClass: try b.byte(at: offset + 307), bDeviceProtocol: try b.byte(at: offset + 308),
                  bConfigurationValue: try b.byte(at: offset + 309), bNumConfigurations: try b.byte(at: offset + 310),
                  bNumInterfaces: try b.byte(at: offset + 311))
    }

    /// The bus id as text ("1-1").
    public var busidString: String { String(decoding: busid, as: UTF8.self) }
    /// The sysfs path as text.
    public var pathString: String { String(decoding: path, as: UTF8.self) }

    /// The encoded record.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(USBIPUSBDevice.count)
        out.appendFixed(path, size: USBIPUSBDevice.pathSize)
        out.appendFixed(busid, size: USBIPUSBDevice.busidSize)
        out.appendBE32(busnum)
        out.appendBE32(devnum)
        out.appendBE32(speed.rawValue)
        out.appendBE16(idVendor)
        out.appendBE16(idProduct)
        out.appendBE16(bcdDevice)
        out += [bDeviceClass, bDeviceSubClass, bDeviceProtocol,
                bConfigurationValue, bNumConfigurations, bNumInterfaces]
        return out
    }
}

/// The `speed` field of a USB/IP device record: Linux's `enum usb_device_speed`.
public struct USBSpeed: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// USB_SPEED_UNKNOWN
    public static let unknown = USBSpeed(rawValue: 0)
    /// USB_SPEED_LOW, 1.5 Mbit/s
    public static let low = USBSpeed(rawValue: 1)
    /// USB_SPEED_FULL, 12 Mbit/s (a CCID token)
    public static let full = USBSpeed(rawValue: 2)
    /// USB_SPEED_HIGH, 480 Mbit/s
    public static let high = USBSpeed(rawValue: 3)
    /// USB_SPEED_WIRELESS
    public static let wireless = USBSpeed(rawValue: 4)
    /// USB_SPEED_SUPER, 5 Gbit/s
    public static let `super` = USBSpeed(rawValue: 5)
    /// USB_SPEED_SUPER_PLUS, 10 Gbit/s
    public static let superPlus = USBSpeed(rawValue: 6)
}
