import CCID
import TokenDevice
import Testing
import USB
import USBIP

@Suite("Control requests")
struct ControlTests {
    @Test("SET_CONFIGURATION 1 configures and queues NotifySlotChange present + changed")
    func setConfiguration() {
        let h = DeviceHarness()
        #expect(h.control(0x80, USBSetupPacket.GET_CONFIGURATION, wLength: 1) == .data([0]))
        #expect(h.device.takeInterrupt(maxLength: 8) == nil, "nothing before configuration")
        #expect(h.control(0x00, USBSetupPacket.SET_CONFIGURATION, wValue: 1) == .ok)
        #expect(h.control(0x80, USBSetupPacket.GET_CONFIGURATION, wLength: 1) == .data([1]))
        #expect(h.device.takeInterrupt(maxLength: 8) == [0x50, 0x03])
        #expect(h.device.takeInterrupt(maxLength: 8) == nil, "one message")
        #expect(h.control(0x00, USBSetupPacket.SET_CONFIGURATION, wValue: 2) == .stall)
        #expect(h.control(0x00, USBSetupPacket.SET_CONFIGURATION, wValue: 0) == .ok)
        #expect(h.control(0x80, USBSetupPacket.GET_CONFIGURATION, wLength: 1) == .data([0]))
    }

    @Test("GET_STATUS of device, interface and endpoints; SET_FEATURE / CLEAR_FEATURE ENDPOINT_HALT")
    func statusAndHalt() {
        let h = DeviceHarness()
        h.configure()
        #expect(h.control(0x80, USBSetupPacket.GET_STATUS, wLength: 2) == .data([0, 0]))
        #expect(h.control(0x81, USBSetupPacket.GET_STATUS, wLength: 2) == .data([0, 0]))
        #expect(h.control(0x81, USBSetupPacket.GET_STATUS, wIndex: 1, wLength: 2) == .stall, "one interface")
        for endpoint: UInt16 in [0x00, 0x01, 0x82, 0x83] {
            #expect(h.control(0x82, USBSetupPacket.GET_STATUS, wIndex: endpoint, wLength: 2) == .data([0, 0]))
        }
        #expect(h.control(0x82, USBSetupPacket.GET_STATUS, wIndex: 0x04, wLength: 2) == .stall, "no endpoint 4")
        #expect(h.control(0x02, USBSetupPacket.SET_FEATURE, wValue: 0, wIndex: 0x82) == .ok)
        #expect(h.control(0x82, USBSetupPacket.GET_STATUS, wIndex: 0x82, wLength: 2) == .data([1, 0]))
        #expect(h.device.isHalted(endpoint: 0x82))
        h.send(.getSlotStatus)
        #expect(h.device.takeBulkIn(maxLength: 64) == nil, "a halted IN endpoint delivers nothing")
        #expect(h.control(0x02, USBSetupPacket.CLEAR_FEATURE, wValue: 0, wIndex: 0x82) == .ok)
        #expect(h.control(0x82, USBSetupPacket.GET_STATUS, wIndex: 0x82, wLength: 2) == .data([0, 0]))
        #expect(h.replies().count == 1, "the reply waited for the halt to clear")
        #expect(h.control(0x02, USBSetupPacket.CLEAR_FEATURE, wValue: 1, wIndex: 0x82) == .stall, "unknown feature")
    }

    @Test("SET_INTERFACE alternate 0 only; GET_INTERFACE answers 0")
    func interface() {
        let h = DeviceHarness()
        h.configure()
        #expect(h.control(0x01, USBSetupPacket.SET_INTERFACE, wValue: 0, wIndex: 0) == .ok)
        #expect(h.control(0x01, USBSetupPacket.SET_INTERFACE, wValue: 1, wIndex: 0) == .stall)
        #expect(h.control(0x81, USBSetupPacket.GET_INTERFACE, wLength: 1) == .data([0]))
    }

    @Test("GET_CLOCK_FREQUENCIES 4000 kHz and GET_DATA_RATES 10752 bps, one dword each")
    func clockAndRates() {
        let h = DeviceHarness()
        #expect(h.control(0xA1, 0x02, wLength: 4) == .data([0xA0, 0x0F, 0x00, 0x00]))
        #expect(h.control(0xA1, 0x03, wLength: 4) == .data([0x00, 0x2A, 0x00, 0x00]))
        #expect(h.control(0xA1, 0x04) == .stall, "no class request 4")
    }

    @Test("unsupported requests stall", arguments: [
        USBSetupPacket(bmRequestType: 0x00, bRequest: USBSetupPacket.SET_DESCRIPTOR),
        USBSetupPacket(bmRequestType: 0x80, bRequest: USBSetupPacket.GET_DESCRIPTOR, wValue: 0x0600, wLength: 10),
        USBSetupPacket(bmRequestType: 0x80, bRequest: USBSetupPacket.GET_DESCRIPTOR, wValue: 0x0201, wLength: 10),
        USBSetupPacket(bmRequestType: 0xC0, bRequest: 0x01, wLength: 4),
        USBSetupPacket(bmRequestType: 0x21, bRequest: 0x01, wValue: 0x0501),
    ])
    func stalls(setup: USBSetupPacket) {
        #expect(DeviceHarness().device.control(setup, data: []) == .stall)
    }
}
