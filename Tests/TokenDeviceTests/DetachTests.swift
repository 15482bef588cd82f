import CardOS
import CCID
import ISO7816
import Testing
import TokenDevice

@Suite("TokenDevice: detach (the host went away)")
struct DetachTests {
    @Test("a half-received message, queued replies and the verified PIN do not survive detach")
    func detachForgetsTheHost() {
        let h = DeviceHarness()
        h.configure()
        h.powerOn()
        #expect(h.transmit(DeviceHarness.apdu("00A4040C", DeviceHarness.bankingAID)).statusWord == .success)
        #expect(h.transmit(DeviceHarness.apdu("00200081", Array(DeviceHarness.factoryPIN.utf8))).statusWord == .success)
        // A reply nobody fetched, then half of an XfrBlock.
        h.device.bulkOut(CCIDCommand(bSeq: 0x30, .getSlotStatus).bytes)
        let half = CCIDCommand(bSeq: 0x50, .xfrBlock(bBWI: 0, wLevelParameter: 0, abData: [0x00, 0xA4, 0x04, 0x00])).bytes
        h.device.bulkOut(Array(half.prefix(12)))

        h.device.detach()

        #expect(h.device.takeBulkIn(maxLength: 1_000) == nil, "no stale reply")
        #expect(h.device.configuration == 0, "the next host configures the device again")
        #expect(h.device.isCardPresent)
        h.configure()
        let atr = h.powerOn()
        #expect(atr == TokenFirmware<TestPlatform>.atr, "the next host's IccPowerOn is answered, not the stale XfrBlock")
        #expect(h.transmit(DeviceHarness.apdu("00A4040C", DeviceHarness.bankingAID)).statusWord == .success)
        #expect(h.transmit("0020008100").statusWord == .verificationFailed(triesLeft: 3), "the PIN is no longer verified")
    }

    @Test("detach during a confirmation ends it without an answer to anyone")
    func detachWhileWaiting() throws {
        let h = DeviceHarness()
        h.configure()
        h.personalize()   // power on, select, change the PIN, the transfer key with the holder's OK
        let transfer = TLV(tag: 0x70, children: [
            TLV(tag: 0x80, value: Array("12345678".utf8)), TLV(tag: 0x81, value: Array("Alice".utf8)),
            TLV(tag: 0x82, value: Array("10".utf8)), TLV(tag: 0x83, value: Array("EUR".utf8)),
            TLV(tag: 0x85, value: [UInt8](repeating: 7, count: 8)),
        ])
        h.send(.xfrBlock(bBWI: 0, wLevelParameter: 0, abData: DeviceHarness.apdu("80C00000", transfer.bytes, le: true)))
        #expect(h.device.isBusy, "the CONFIRM waits for the holder")
        _ = h.replies()
        h.device.detach()
        #expect(!h.device.isBusy)
        #expect(!h.device.firmware.card.isWaiting)
        h.device.press(.ok)
        #expect(h.device.takeBulkIn(maxLength: 1_000) == nil, "nobody is answered")
        #expect(h.presence.events.contains(.aborted))
    }
}
