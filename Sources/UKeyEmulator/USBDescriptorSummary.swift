import USBIP

/// The fields of a USB device's descriptors that a USB/IP device record repeats (USB 2.0
/// §9.6.1 device descriptor, §9.6.3 configuration, §9.6.5 interface), read from the bytes the
/// device returns. Missing or short descriptors leave the defaults: a CCID token, 1209:0001.
struct USBDescriptorSummary: Hashable {
    var idVendor: UInt16 = 0x1209
    var idProduct: UInt16 = 0x0001
    var bcdDevice: UInt16 = 0x0100
    var bDeviceClass: UInt8 = 0
    var bDeviceSubClass: UInt8 = 0
    var bDeviceProtocol: UInt8 = 0
    var bNumConfigurations: UInt8 = 1
    var bConfigurationValue: UInt8 = 1
    var interfaces: [USBIPUSBInterface] = [.ccid]

    ///     device:        0 bLength 1 bDescriptorType(1) 4 bDeviceClass 5 SubClass 6 Protocol
    ///                    8 idVendor(LE) 10 idProduct 12 bcdDevice 17 bNumConfigurations
    ///     configuration: 5 bConfigurationValue, then interface descriptors (type 4):
    ///                    5 bInterfaceClass 6 SubClass 7 Protocol
    init(device: [UInt8], configuration: [UInt8], vendorID: UInt16, productID: UInt16) {
        idVendor = vendorID
        idProduct = productID
        if device.count >= 18 && device[1] == 0x01 {
            bDeviceClass = device[4]
            bDeviceSubClass = device[5]
            bDeviceProtocol = device[6]
            idVendor = UInt16(device[8]) | UInt16(device[9]) << 8
            idProduct = UInt16(device[10]) | UInt16(device[11]) << 8
            bcdDevice = UInt16(device[12]) | UInt16(device[13]) << 8
            bNumConfigurations = device[17]
        }
        guard configuration.count >= 9 && configuration[1] == 0x02 else { return }
        bConfigurationValue = configuration[5]
        var found: [USBIPUSBInterface] = []
        var offset = 0
        while offset + 2 <= configuration.count {
            let length = Int(configuration[offset])
            guard length >= 2, offset + length <= configuration.count else { break }
            if configuration[offset + 1] == 0x04 && length >= 9 && configuration[offset + 3] == 0 {
                found.append(USBIPUSBInterface(bInterfaceClass: configuration[offset + 5],
                                               bInterfaceSubClass: configuration[offset + 6],
                                               bInterfaceProtocol: configuration[offset + 7]))
            }
            offset += length
        }
        if !found.isEmpty { interfaces = found }
    }
}
