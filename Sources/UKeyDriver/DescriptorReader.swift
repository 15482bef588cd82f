import USB

/// Reads a device's descriptors with standard GET_DESCRIPTOR control requests (USB 2.0
/// §9.4.3), the same way over every transport.
package enum DescriptorReader {
    package typealias Control = (USBSetupPacket) throws(DriverError) -> [UInt8]

    /// Device descriptor, configuration 0 and the CCID interface in it, and the strings.
    package static func read(_ control: Control) throws(DriverError) -> USBDeviceInfo {
        let deviceBytes = try control(.getDescriptor(type: USBDescriptorType.DEVICE,
                                                     length: UInt16(USBDeviceDescriptor.count)))
        let device: USBDeviceDescriptor
        do { device = try USBDeviceDescriptor(parsing: deviceBytes) } catch {
            throw .communication("bad device descriptor: \(error)")
        }
        let head = try control(.getDescriptor(type: USBDescriptorType.CONFIGURATION,
                                              length: UInt16(USBConfigurationDescriptor.count)))
        guard head.count >= 4 else { throw .communication("short configuration descriptor") }
        let total = UInt16(head[2]) | UInt16(head[3]) << 8
        let configuration = try control(.getDescriptor(type: USBDescriptorType.CONFIGURATION, length: total))
        let interface = try CCIDInterfaceDescriptor(configuration: configuration)
        var info = USBDeviceInfo(deviceDescriptor: device, interface: interface)
        // Strings are optional: a device without them (or one that stalls) still works.
        let languages = (try? control(.getDescriptor(type: USBDescriptorType.STRING, length: 255)))
            .flatMap { try? USBStringDescriptor(parsing: $0) }?.languageIDs ?? []
        let language = languages.first ?? 0x0409
        func string(_ index: UInt8) -> String? {
            guard index != 0,
                  let bytes = try? control(.getDescriptor(type: USBDescriptorType.STRING, index: index,
                                                          languageID: language, length: 255))
            else { return nil }
            return (try? USBStringDescriptor(parsing: bytes))?.string
        }
        info.manufacturer = string(device.iManufacturer)
        info.product = string(device.iProduct)
        info.serialNumber = string(device.iSerialNumber)
        return info
    }
}
