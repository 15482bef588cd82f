import CCID
import Foundation
import ISO7816
import Testing
import TokenDevice
@testable import FuzzDriverReplies
@testable import UKeyDriver

/// The CCID host layer against in-process devices through the loopback transport.
@Suite struct CCIDHostTests {
    @Test func fakeDevicePowersOnAndEchoes() throws {
        let fake = FakeCCIDDevice()
        let transport = try LoopbackTransport(fake)
        #expect(transport.device.interface.classDescriptor.wLcdLayout == 0x0410)
        #expect(transport.device.interface.interruptIn == 0x83)
        #expect(transport.device.serialNumber == "0123456789ABCDEF")
        let host = CCIDHost(transport: transport, readTimeout: 1000)
        #expect(try host.iccPowerOn() == FakeCCIDDevice.atr)
        #expect(try host.transmitAPDU([1, 2, 3]) == [3, 2, 1, 0x90, 0x00])
        #expect(try host.slotStatus() == .presentActive)
        // bSeq advances with each command.
        #expect(fake.receivedCommands.map(\.bSeq) == [0, 1, 2])
    }

    @Test func timeExtensionsAreWaitedThrough() throws {
        let fake = FakeCCIDDevice()
        fake.timeExtensions = 30
        let host = CCIDHost(transport: try LoopbackTransport(fake), readTimeout: 1000)
        _ = try host.iccPowerOn()
        #expect(try host.transmitAPDU([0xAA]) == [0xAA, 0x90, 0x00])
    }

    @Test func extendedAPDULongerThanOneMessageIsChained() throws {
        let fake = FakeCCIDDevice()
        let transport = ReplayTransport(replies: [
            MisbehavingDeviceTests.dataBlock(seq: 0, []), MisbehavingDeviceTests.dataBlock(seq: 1, []),
            CCIDHeader(bMessageType: 0x80, dwLength: 3, bSlot: 0, bSeq: 2, byte9: 0x01).bytes + [1, 2, 3],
            CCIDHeader(bMessageType: 0x80, dwLength: 2, bSlot: 0, bSeq: 3, byte9: 0x02).bytes + [0x90, 0x00],
        ])
        _ = fake
        let host = CCIDHost(transport: transport, readTimeout: 100)
        let apdu = [UInt8](repeating: 0x5A, count: 600)         // 271-byte messages: three parts
        #expect(try host.transmitAPDU(apdu) == [1, 2, 3, 0x90, 0x00])
        #expect(host.bSeq == 4)
    }

    @Test func removalIsICCNotPresent() throws {
        let fake = FakeCCIDDevice()
        let host = CCIDHost(transport: try LoopbackTransport(fake), readTimeout: 1000)
        _ = try host.iccPowerOn()
        fake.setPresent(false)
        #expect(throws: DriverError.iccNotPresent) { try host.transmitAPDU([0x00]) }
        #expect(try host.slotStatus() == .absent)
    }
}
