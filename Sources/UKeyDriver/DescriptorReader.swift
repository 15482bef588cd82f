import USBIP

/// Reads a device's descriptors with standard GET_DESCRIPTOR control requests (USB 2.0
/// §9.4.3), the same way over every transport.
enum DescriptorReader {
    typealias Control = (USBSetupPacket) throws(DriverError) -> [UInt8]

    static func getDescriptor(type: UInt8, index: UInt8 = 0, languageID: UInt16 = 0, length: UInt16) -> USBSetupPacket {
        USBSetupPacket(bmRequestType: 0x80, bRequest: USBSetupPacket.GET_DESCRIPTOR,
                       wValue: UInt16(type) << 8 | UInt16(index), wIndex: languageID, wLength: length)
    }

    /// Device descriptor, configuration 0 and the CCID interface in it, and the strings.
    static func read(_ control: Control) throws(DriverError) -> USBDeviceInfo {
        let device = try USBDeviceDescriptor(parsing: try control(getDescriptor(type: 0x01, length: 18)))
        let head = try control(getDescriptor(type: 0x02, length: 9))
        guard head.count >= 4 else { throw .communication("short configuration descriptor") }
        let total = UInt16(head[2]) | UInt16(head[3]) << 8
        let configuration = try control(getDescriptor(type: 0x02, length: total))
        let interface = try CCIDInterfaceDescriptor(configuration: configuration)
        var info = USBDeviceInfo(deviceDescriptor: device, interface: interface)
        // Strings are optional: a device without them (or one that stalls) still works.
        let languages = (try? control(getDescriptor(type: 0x03, length: 255))) ?? []
        let language: UInt16 = languages.count >= 4 ? UInt16(languages[2]) | UInt16(languages[3]) << 8 : 0x0409
        func string(_ index: UInt8) -> String? {
            guard index != 0,
                  let bytes = try? control(getDescriptor(type: 0x03, index: index, languageID: language, length: 255))
            else { return nil }
            return USBDeviceDescriptor.string(fromDescriptor: bytes)
        }
        info.manufacturer = string(device.iManufacturer)
        info.product = string(device.iProduct)
        info.serialNumber = string(device.iSerialNumber)
        return info
    }
}
