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

    /// The encoded size: 312 + 4 × bNumInterfaces.
    public var count: Int { USBIPUSBDevice.count + interfaces.count * USBIPUSBInterface.count }

    /// Decodes the entry at `offset` (the caller checked that `count` bytes are there).
    init(entry b: [UInt8], at offset: Int) {
        let device = USBIPUSBDevice(record: b, at: offset)
        var interfaces: [USBIPUSBInterface] = []
        var at = offset + USBIPUSBDevice.count
        for _ in 0..<Int(device.bNumInterfaces) {
            interfaces.append(USBIPUSBInterface(bInterfaceClass: b[at], bInterfaceSubClass: b[at + 1],
                                                bInterfaceProtocol: b[at + 2]))
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
