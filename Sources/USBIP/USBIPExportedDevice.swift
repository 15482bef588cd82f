import USB

/// One entry of OP_REP_DEVLIST: the 312-byte device record, then bNumInterfaces interface
/// records of 4 bytes (usbip_protocol.rst).
public struct USBIPExportedDevice: Hashable, Sendable {
    /// The device record; its bNumInterfaces is kept equal to `interfaces.count`.
    public private(set) var device: USBIPUSBDevice
    public var interfaces: [USBIPUSBInterface] {
        didSet { device.bNumInterfaces = UInt8(truncatingIfNeeded: interfaces.count) }
    }

    /// - Precondition: at most 255 interfaces (bNumInterfaces is one byte).
    public init(device: USBIPUSBDevice, interfaces: [USBIPUSBInterface]) {
        precondition(interfaces.count <= 255, "bNumInterfaces is one byte")
        var device = device
        device.bNumInterfaces = UInt8(interfaces.count)
        self.device = device
        self.interfaces = interfaces
    }

    /// The entry of a device, built from the descriptors it answers GET_DESCRIPTOR with: the IDs
    /// and classes of its device descriptor, the configuration's value and the class of each
    /// interface (alternate setting 0), as Linux's usbip-host reads them from sysfs.
    public init(path: String, busid: String, busnum: UInt32, devnum: UInt32, speed: USBSpeed,
                device: USBDeviceDescriptor, configuration: USBConfigurationDescriptor) {
        let record = USBIPUSBDevice(path: path, busid: busid, busnum: busnum, devnum: devnum, speed: speed,
                                    idVendor: device.idVendor, idProduct: device.idProduct, bcdDevice: device.bcdDevice,
                                    bDeviceClass: device.bDeviceClass, bDeviceSubClass: device.bDeviceSubClass,
                                    bDeviceProtocol: device.bDeviceProtocol,
                                    bConfigurationValue: configuration.bConfigurationValue,
                                    bNumConfigurations: device.bNumConfigurations)
        let interfaces = configuration.interfaces.filter { $0.bAlternateSetting == 0 }.map {
            USBIPUSBInterface(bInterfaceClass: $0.bInterfaceClass, bInterfaceSubClass: $0.bInterfaceSubClass,
                              bInterfaceProtocol: $0.bInterfaceProtocol)
        }
        self.init(device: record, interfaces: interfaces)
    }

    /// The encoded size: 312 + 4 × bNumInterfaces.
    public var count: Int { USBIPUSBDevice.count + interfaces.count * USBIPUSBInterface.count }

    /// Decodes the entry at `offset` (the caller checked that `count` bytes are there).
    init(entry b: [UInt8], at offset: Int) throws(USBIPError) {
        let device = try USBIPUSBDevice(record: b, at: offset)
        var interfaces: [USBIPUSBInterface] = []
        var at = offset + USBIPUSBDevice.count
        for _ in 0..<Int(device.bNumInterfaces) {
            interfaces.append(USBIPUSBInterface(bInterfaceClass: try b.byte(at: at),
                                                bInterfaceSubClass: try b.byte(at: at + 1),
                                                bInterfaceProtocol: try b.byte(at: at + 2)))
            at += USBIPUSBInterface.count
        }
        self.device = device
        self.interfaces = interfaces
    }

    public var bytes: [UInt8] {
        var out = device.bytes
        for interface in interfaces { out += interface.bytes }
        return out
    }
}

/// The `usbip_usb_interface` record that follows a device in OP_REP_DEVLIST, one per
/// interface (usbip_protocol.rst): bInterfaceClass, bInterfaceSubClass, bInterfaceProtocol,
/// padding (sent as 0, ignored).
public struct USBIPUSBInterface: Hashable, Sendable {
    public static let count = 4

    public var bInterfaceClass: UInt8
    public var bInterfaceSubClass: UInt8
    public var bInterfaceProtocol: UInt8

    public init(bInterfaceClass: UInt8, bInterfaceSubClass: UInt8 = 0, bInterfaceProtocol: UInt8 = 0) {
        self.bInterfaceClass = bInterfaceClass
        self.bInterfaceSubClass = bInterfaceSubClass
        self.bInterfaceProtocol = bInterfaceProtocol
    }

    /// The smart card (CCID) interface class.
    public static let ccid = USBIPUSBInterface(bInterfaceClass: 0x0B)

    public var bytes: [UInt8] { [bInterfaceClass, bInterfaceSubClass, bInterfaceProtocol, 0] }
}
