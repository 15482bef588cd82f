import ISO7816
import Testing
import USB

/// USB chapter 9: the setup packet and the standard descriptors, parsed and encoded.
struct USBDescriptorTests {
    static func hex(_ text: String) -> [UInt8] { [UInt8](hex: text)! }

    @Test("the setup packet is little-endian")
    func setupPacket() throws {
        let setup = try USBSetupPacket(parsing: Self.hex("A1 02 0000 0100 0001"))
        #expect(setup.bmRequestType == 0xA1 && setup.bRequest == 0x02)
        #expect(setup.wIndex == 0x0001 && setup.wLength == 0x0100)
        #expect(setup.isDeviceToHost && setup.requestType == 1 && setup.recipient == 1)
        #expect(setup.bytes == Self.hex("A1 02 0000 0100 0001"))
        #expect(throws: USBError.truncated(needed: 8, available: 7)) { try USBSetupPacket(parsing: Self.hex("A1 02 0000 0100 00")) }
        #expect(throws: USBError.trailingBytes(expected: 8, available: 9)) {
            try USBSetupPacket(parsing: Self.hex("A1 02 0000 0100 0001 00"))
        }
        #expect(USBSetupPacket.getDescriptor(type: 3, index: 2, languageID: 0x0409, length: 255).bytes
                == Self.hex("80 06 0203 0904 FF00"))
    }

    static let device = "12 01 0002 00 00 00 40 0912 0100 0001 01 02 03 01"

    @Test("the device descriptor round-trips; every truncated prefix is refused")
    func deviceDescriptor() throws {
        let descriptor = try USBDeviceDescriptor(parsing: Self.hex(Self.device))
        #expect(descriptor.idVendor == 0x1209 && descriptor.idProduct == 0x0001 && descriptor.bcdDevice == 0x0100)
        #expect([descriptor.iManufacturer, descriptor.iProduct, descriptor.iSerialNumber] == [1, 2, 3])
        #expect(descriptor.bytes == Self.hex(Self.device))
        let bytes = Self.hex(Self.device)
        for cut in 0..<bytes.count {
            #expect(throws: USBError.self) { try USBDeviceDescriptor(parsing: bytes.prefix(cut)) }
        }
        #expect(throws: USBError.wrongType(expected: 1, found: 2)) { try USBDeviceDescriptor(parsing: Self.hex("12 02") + bytes.dropFirst(2)) }
        #expect(throws: USBError.badLength(bDescriptorType: 1, bLength: 0x11)) {
            try USBDeviceDescriptor(parsing: Self.hex("11 01") + bytes.dropFirst(2))
        }
    }

    static let configuration = "09 02 2400 01 01 00 80 32" + " 09 04 00 00 02 0B 00 00 00" + " 04 21 AA BB"
        + " 07 05 01 02 4000 00" + " 07 05 82 02 4000 00"

    @Test("a configuration: wTotalLength, interfaces, endpoints and a class descriptor kept as bytes")
    func configuration() throws {
        let bytes = Self.hex(Self.configuration)
        let configuration = try USBConfigurationDescriptor(parsing: bytes)
        #expect(configuration.bConfigurationValue == 1 && configuration.bMaxPower == 0x32)
        #expect(configuration.interfaces == [USBInterfaceDescriptor(bNumEndpoints: 2, bInterfaceClass: 0x0B)])
        #expect(configuration.descriptors[1] == .other([0x04, 0x21, 0xAA, 0xBB]))
        #expect(configuration.descriptors[3] == .endpoint(USBEndpointDescriptor(bEndpointAddress: 0x82, bmAttributes: 2,
                                                                                 wMaxPacketSize: 64)))
        #expect(configuration.wTotalLength == 0x24)
        #expect(configuration.bytes == bytes)
        for cut in 0..<bytes.count {
            #expect(throws: USBError.self) { try USBConfigurationDescriptor(parsing: bytes.prefix(cut)) }
        }
        var zeroLength = bytes
        zeroLength[18] = 0
        #expect(throws: USBError.badLength(bDescriptorType: 0x21, bLength: 0)) { try USBConfigurationDescriptor(parsing: zeroLength) }
    }

    @Test("string descriptors: UTF-16LE text, LANGIDs in string 0, odd or short ones refused")
    func strings() throws {
        #expect(USBStringDescriptor("UKey").bytes == Self.hex("0A 03 5500 4B00 6500 7900"))
        #expect(try USBStringDescriptor(parsing: Self.hex("0A 03 5500 4B00 6500 7900")).string == "UKey")
        #expect(USBStringDescriptor(languageIDs: [0x0409]).bytes == Self.hex("04 03 0904"))
        #expect(try USBStringDescriptor(parsing: Self.hex("04 03 0904")).languageIDs == [0x0409])
        #expect(USBStringDescriptor("€𝄞").bytes == Self.hex("08 03 AC20 34D8 1EDD"))
        #expect(throws: USBError.self) { try USBStringDescriptor(parsing: Self.hex("05 03 5500 4B")) }
        #expect(throws: USBError.self) { try USBStringDescriptor(parsing: Self.hex("0A 03 5500")) }
    }
}
