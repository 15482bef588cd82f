import CCID
import CIFDHandler
import Testing
import USB
@testable import UKeyDriver

/// Out of scope and refused clearly (README "Readers and exchange levels"): character-level
/// readers, ICCD (control-transfer) tokens, and any slot of a multi-slot reader but slot 0.
@Suite struct UnsupportedReaderTests {
    static func descriptor(features: CCIDFeatures, bMaxSlotIndex: UInt8 = 0) -> CCIDClassDescriptor {
        CCIDClassDescriptor(bMaxSlotIndex: bMaxSlotIndex, bVoltageSupport: .volts5_0, dwProtocols: .t0, dwDefaultClock: 3580,
                            dwMaximumClock: 3580, dwDataRate: 9600, dwMaxDataRate: 9600, dwMaxIFSD: 254, dwFeatures: features,
                            dwMaxCCIDMessageLength: 271)
    }

    static func device(_ descriptor: CCIDClassDescriptor) -> USBDeviceInfo {
        USBDeviceInfo(deviceDescriptor: USBDeviceDescriptor(idVendor: 0x1234, idProduct: 0x5678),
                      interface: CCIDInterfaceDescriptor(bulkOut: 0x01, bulkIn: 0x82, interruptIn: 0x83, classDescriptor: descriptor))
    }

    /// A configuration with one class-0x0B interface of `interfaceProtocol` and `endpoints`.
    static func configuration(interfaceProtocol: UInt8, endpoints: [USBEndpointDescriptor]) -> [UInt8] {
        let interface = USBInterfaceDescriptor(bNumEndpoints: UInt8(endpoints.count), bInterfaceClass: 0x0B,
                                               bInterfaceProtocol: interfaceProtocol)
        let ccid = descriptor(features: [.automaticActivation, .shortAPDULevel])
        return USBConfigurationDescriptor(bMaxPower: 50, descriptors: [.interface(interface), .other(ccid.bytes)] + endpoints.map { .endpoint($0) }).bytes
    }

    @Test("a character-level reader (no APDU or TPDU level in dwFeatures) is refused when it is opened")
    func characterLevelRefused() throws {
        let character = Self.device(Self.descriptor(features: [.automaticActivation, .automaticVoltage]))
        #expect(throws: DriverError.notSupported("character-level readers (dwFeatures without an APDU or TPDU level)")) {
            try Reader.checkSupported(character)
        }
        try Reader.checkSupported(Self.device(Self.descriptor(features: [.tpduLevel])))
        try Reader.checkSupported(Self.device(Self.descriptor(features: [.shortAPDULevel])))
        #expect(IFDResponse.code(for: .notSupported("character-level readers")) != IFD_SUCCESS)
    }

    @Test("an ICCD token (bInterfaceProtocol 01 or 02, or no bulk endpoints) is refused: not supported")
    func iccdRefused() throws {
        let bulk = [USBEndpointDescriptor(bEndpointAddress: 0x01, bmAttributes: USBEndpointDescriptor.bulk, wMaxPacketSize: 64),
                    USBEndpointDescriptor(bEndpointAddress: 0x82, bmAttributes: USBEndpointDescriptor.bulk, wMaxPacketSize: 64)]
        let interrupt = [USBEndpointDescriptor(bEndpointAddress: 0x83, bmAttributes: USBEndpointDescriptor.interrupt, wMaxPacketSize: 8)]
        for version in [UInt8(1), 2] {
            #expect(throws: DriverError.notSupported("ICCD (control-transfer) tokens (bInterfaceProtocol \(version))")) {
                _ = try CCIDInterfaceDescriptor(configuration: Self.configuration(interfaceProtocol: version, endpoints: interrupt))
            }
        }
        #expect(throws: DriverError.notSupported("ICCD (control-transfer) tokens: CCID interface without bulk endpoints")) {
            _ = try CCIDInterfaceDescriptor(configuration: Self.configuration(interfaceProtocol: 0, endpoints: interrupt))
        }
        let ccid = try CCIDInterfaceDescriptor(configuration: Self.configuration(interfaceProtocol: 0, endpoints: bulk + interrupt))
        #expect(ccid.bulkOut == 0x01 && ccid.bulkIn == 0x82 && ccid.interruptIn == 0x83)
    }

    @Test("a multi-slot reader: TAG_IFD_SLOTS_NUMBER answers 1, and a Lun for slot 1 finds no reader and cannot be added")
    func onlySlotZero() throws {
        let transport = T0ReaderTransport(features: [.tpduLevel, .automaticParameterNegotiation, .automaticPPS])
        let twoSlots = Self.device(Self.descriptor(features: [.tpduLevel], bMaxSlotIndex: 1))
        try Reader.checkSupported(twoSlots)
        let reader = Reader(transport: MultiSlotTransport(base: transport, device: twoSlots), readTimeout: 100)
        #expect(try ReaderAttributes.value(reader, tag: UInt(TAG_IFD_SLOTS_NUMBER)) == [1])
        let registry = ReaderRegistry()
        try registry.add(reader, lun: 0x0001_0000)
        #expect(try registry.reader(0x0001_0000) === reader)
        #expect(throws: DriverError.noSuchDevice("slot 1 of Lun 0x10001: only slot 0 is driven")) {
            _ = try registry.reader(0x0001_0001)
        }
        #expect(throws: DriverError.notSupported("slot 1: only slot 0 of a reader is driven")) {
            try registry.add(reader, lun: 0x0002_0001)
        }
    }
}

/// `base` with another device description (a reader with more slots).
final class MultiSlotTransport: USBTransport, @unchecked Sendable {
    let base: T0ReaderTransport
    let device: USBDeviceInfo
    init(base: T0ReaderTransport, device: USBDeviceInfo) {
        self.base = base
        self.device = device
    }
    func bulkOutIn(_ message: [UInt8], inLength: Int, timeout: Int) throws(DriverError) -> [UInt8] {
        try base.bulkOutIn(message, inLength: inLength, timeout: timeout)
    }
    func bulkIn(maxLength: Int, timeout: Int) throws(DriverError) -> [UInt8] { throw .timeout }
    func control(_ setup: USBSetupPacket, data: [UInt8], timeout: Int) throws(DriverError) -> [UInt8] { [] }
    func interruptIn(timeout: Int) throws(DriverError) -> [UInt8]? { nil }
    func wakeInterrupt() {}
    func close() {}
}
