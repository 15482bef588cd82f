import CardOS
import CCID
import HostPlatform
import ISO7816
import TokenDevice
import Testing
import USB
import USBIP

@Suite("USB descriptors")
struct DescriptorTests {
    @Test("device descriptor: USB 2.0, class per interface, 1209:0001, strings 1-3, one configuration")
    func deviceDescriptor() {
        let device = DeviceHarness().device
        #expect(device.deviceDescriptor == [UInt8](hex: "12 01 0002 00 00 00 40 0912 0100 0001 01 02 03 01")!)
    }

    @Test("configuration: header, CCID interface, 54-byte class descriptor, three endpoints")
    func configurationDescriptor() {
        let bytes = DeviceHarness().device.configurationDescriptor
        #expect(bytes.count == 9 + 9 + 54 + 3 * 7)
        #expect(Array(bytes[0..<9]) == [UInt8](hex: "09 02 5D00 01 01 00 80 32")!)
        #expect(Array(bytes[9..<18]) == [UInt8](hex: "09 04 00 00 03 0B 00 00 00")!)
        #expect(Array(bytes[72..<79]) == [UInt8](hex: "07 05 01 02 4000 00")!, "bulk OUT 0x01, 64 bytes")
        #expect(Array(bytes[79..<86]) == [UInt8](hex: "07 05 82 02 4000 00")!, "bulk IN 0x82, 64 bytes")
        #expect(Array(bytes[86..<93]) == [UInt8](hex: "07 05 83 03 0800 10")!, "interrupt IN 0x83, 8 bytes, 16 ms")
    }

    @Test("class descriptor parses back with every field of the token", arguments: [
        (ExchangeLevel.extendedAPDU, UInt32(0x0004_00FE)), (ExchangeLevel.tpdu, UInt32(0x0001_00FE)),
    ])
    func classDescriptor(exchange: ExchangeLevel, dwFeatures: UInt32) throws {
        let bytes = DeviceHarness(exchange: exchange).device.configurationDescriptor
        let d = try CCIDClassDescriptor(parsing: bytes[18..<72])
        #expect(d.bcdCCID == 0x0110)
        #expect(d.bMaxSlotIndex == 0)
        #expect(d.bVoltageSupport.rawValue == 0x07)
        #expect(d.dwProtocols.rawValue == 3)
        #expect(d.dwDefaultClock == 4000)
        #expect(d.dwMaximumClock == 4000)
        #expect(d.bNumClockSupported == 0)
        #expect(d.dwDataRate == 10752)
        #expect(d.dwMaxDataRate == 344_086)
        #expect(d.bNumDataRatesSupported == 0)
        #expect(d.dwMaxIFSD == 254)
        #expect(d.dwSynchProtocols == 0)
        #expect(d.dwMechanical.rawValue == 0)
        #expect(d.dwFeatures.rawValue == dwFeatures)
        #expect(d.dwMaxCCIDMessageLength == 0x2020)
        #expect(d.bClassGetResponse == 0xFF)
        #expect(d.bClassEnvelope == 0xFF)
        #expect(d.wLcdLayout == 0x0410)
        #expect(d.lcdLines == 4 && d.lcdCharactersPerLine == 16)
        #expect(d.bPINSupport.rawValue == 0x03, "the keypad: PIN verification and modification")
        #expect(d.bMaxCCIDBusySlots == 1)
        #expect(d.dwFeatures.exchangeLevel == (exchange == .tpdu ? .tpdu : .extendedAPDU))
    }

    @Test("dwMaxCCIDMessageLength holds the largest command: 8192 data bytes in one extended APDU")
    func maxMessageCoversLargestCommand() {
        let largest = DeviceHarness.apdu("00DA0110", [UInt8](repeating: 0x30, count: CardOS<TestPlatform>.maxChainedData),
                                         le: true)
        let message = CCIDCommand(bSeq: 0, .xfrBlock(bBWI: 0, wLevelParameter: 0, abData: largest)).bytes
        #expect(message.count <= Int(DeviceHarness().device.classDescriptor.dwMaxCCIDMessageLength))
    }

    @Test("string descriptors: LANGID 0409, manufacturer, product, serial in hex, UTF-16LE")
    func strings() {
        let harness = DeviceHarness()
        func string(_ index: UInt8) -> ControlResult {
            harness.control(0x80, USBSetupPacket.GET_DESCRIPTOR, wValue: 0x0300 | UInt16(index), wIndex: 0x0409,
                            wLength: 255)
        }
        func utf16(_ text: String) -> [UInt8] {
            [UInt8(2 + 2 * text.utf16.count), 0x03] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        }
        #expect(harness.control(0x80, USBSetupPacket.GET_DESCRIPTOR, wValue: 0x0300, wLength: 255)
                == .data([0x04, 0x03, 0x09, 0x04]))
        #expect(string(1) == .data(utf16("UKey")))
        #expect(string(2) == .data(utf16("UKey Banking Token")))
        #expect(string(3) == .data(utf16("554B0000000012AB")))
        #expect(string(4) == .stall, "no string 4")
        #expect(harness.control(0x80, USBSetupPacket.GET_DESCRIPTOR, wValue: 0x0301, wIndex: 0x0407, wLength: 255)
                == .stall, "German is not offered")
    }

    @Test("GET_DESCRIPTOR answers min(wLength, total)", arguments: [UInt16(9), 18, 64, 93, 255])
    func shortReads(wLength: UInt16) {
        let harness = DeviceHarness()
        let full = harness.device.configurationDescriptor
        #expect(harness.control(0x80, USBSetupPacket.GET_DESCRIPTOR, wValue: 0x0200, wLength: wLength)
                == .data(Array(full.prefix(Int(wLength)))))
        #expect(harness.control(0x80, USBSetupPacket.GET_DESCRIPTOR, wValue: 0x0100, wLength: wLength)
                == .data(Array(harness.device.deviceDescriptor.prefix(Int(wLength)))))
    }

    @Test("the USB/IP device record: 1209:0001, bcdDevice 0100, class 0, configuration 1, one CCID interface")
    func exportedDevice() throws {
        let descriptors = DeviceHarness().device.descriptors
        let entry = USBIPExportedDevice(path: "/sys/devices/ukey/1-1", busid: "1-1", busnum: 1, devnum: 2, speed: .full,
                                        device: descriptors.device, configuration: descriptors.configuration)
        #expect(entry.device.idVendor == 0x1209 && entry.device.idProduct == 0x0001)
        #expect(entry.device.bcdDevice == 0x0100)
        #expect(entry.device.speed == .full)
        #expect([entry.device.bDeviceClass, entry.device.bDeviceSubClass, entry.device.bDeviceProtocol] == [0, 0, 0])
        #expect(entry.device.bConfigurationValue == 1 && entry.device.bNumConfigurations == 1)
        #expect(entry.interfaces == [USBIPUSBInterface(bInterfaceClass: 0x0B)])
        #expect(entry.device.busidString == "1-1")
    }
}
