import CardOS
import CCID
import ISO7816
import TokenDevice
import Testing
import USBIP

@Suite("Commands that wait for the holder")
struct WaitingTests {
    @Test("CONFIRM TRANSFER: time extensions every 500 ms, then OK through the pages gives the DataBlock")
    func confirmWithTimeExtensions() throws {
        let h = DeviceHarness()
        h.personalize()
        let bSeq = h.startConfirmation()
        #expect(h.device.nextDeadline == h.clock.milliseconds + 500)
        h.clock.advance(by: 499)
        h.device.tick()
        #expect(h.replies().isEmpty, "no time extension before 500 ms")
        for _ in 0..<3 {
            h.clock.advance(by: 500)
            h.device.tick()
            let replies = h.replies()
            #expect(replies.count == 1)
            #expect(replies.first?.bSeq == bSeq)
            #expect(replies.first?.bStatus == CCIDSlotStatus(.presentActive, .timeExtension))
            #expect(replies.first?.bStatus.bStatus == 0x80)
            #expect(replies.first?.bError.rawValue == 1, "BWT multiplier 1")
        }
        var final: [CCIDReply] = []
        var presses = 0
        while final.isEmpty && presses < 20 {
            h.device.press(.ok)
            presses += 1
            final = h.replies()
        }
        #expect(presses > 1, "OK counts only on the last page")
        #expect(final.count == 1)
        let reply = try #require(final.first)
        #expect(reply.bSeq == bSeq)
        #expect(reply.bStatus == CCIDSlotStatus(.presentActive))
        let response = try ResponseAPDU(parsing: reply.abData)
        #expect(response.statusWord == .success || response.statusWord.sw1 == 0x61)
        #expect(response.data.first == 0x7C, "7C {70 DTBS, 9E signature}")
        #expect(!h.device.isBusy)
        #expect(h.device.nextDeadline == nil)
        h.clock.advance(by: 1000)
        h.device.tick()
        #expect(h.replies().isEmpty, "no time extension once the command ended")
    }

    @Test("Cancel answers 6985 on the open command")
    func cancel() throws {
        let h = DeviceHarness()
        h.personalize()
        let bSeq = h.startConfirmation()
        h.device.press(.cancel)
        let reply = try #require(h.replies().first)
        #expect(reply.bSeq == bSeq)
        #expect(try ResponseAPDU(parsing: reply.abData).statusWord == StatusWord(0x6985))
    }

    @Test("the holder's timeout: tick() polls the card, which answers 6401")
    func holderTimeout() throws {
        let h = DeviceHarness()
        h.personalize()
        let bSeq = h.startConfirmation()
        h.clock.advance(by: h.presence.confirmationTimeout)
        h.device.tick()
        let replies = h.replies()
        let last = try #require(replies.last)
        #expect(last.bSeq == bSeq)
        #expect(last.bStatus.bmCommandStatus == .processedWithoutError)
        #expect(try ResponseAPDU(parsing: last.abData).statusWord == .timeout)
        #expect(!h.device.isBusy)
    }

    @Test("removal while waiting: the command fails with ICC absent, NotifySlotChange 50 02")
    func removalWhileWaiting() throws {
        let h = DeviceHarness()
        h.configure()
        #expect(h.device.takeInterrupt(maxLength: 8) == [0x50, 0x03])
        h.personalize()
        let bSeq = h.startConfirmation()
        h.device.removeCard()
        let reply = try #require(h.replies().first)
        #expect(reply.bSeq == bSeq)
        #expect(reply.bStatus == CCIDSlotStatus(.absent, .failed))
        #expect(reply.bError == .ICC_MUTE)
        #expect(reply.message.messageType == .dataBlock)
        #expect(h.device.takeInterrupt(maxLength: 8) == [0x50, 0x02])
        #expect(!h.device.isBusy)
        #expect(h.presence.events.contains(.aborted))
        h.clock.advance(by: 1000)
        h.device.tick()
        #expect(h.replies().isEmpty, "nothing more for the removed card")
    }

    @Test("a command to a busy slot fails with CMD_SLOT_BUSY and the open one continues")
    func busy() throws {
        let h = DeviceHarness()
        h.personalize()
        let open = h.startConfirmation()
        for message in [PCtoRDR.getSlotStatus, .xfrBlock(bBWI: 0, wLevelParameter: 0, abData: [0x00, 0xCA, 0x01, 0x00]),
                        .iccPowerOff] {
            let reply = h.transact(message)
            #expect(reply.bStatus == CCIDSlotStatus(.presentActive, .failed))
            #expect(reply.bError == .CMD_SLOT_BUSY)
        }
        #expect(h.device.isBusy)
        h.device.press(.cancel)
        #expect(h.replies().first?.bSeq == open, "the open command still ends normally")
    }

    @Test("control ABORT then PC_to_RDR_Abort: CMD_ABORTED for the open command, then SlotStatus")
    func abortWithControlRequest() throws {
        let h = DeviceHarness()
        h.personalize()
        let open = h.startConfirmation()
        let abortSeq = h.seq()
        #expect(h.control(0x21, 0x01, wValue: UInt16(abortSeq) << 8) == .ok)
        let aborted = try #require(h.replies().first)
        #expect(aborted.bSeq == open)
        #expect(aborted.bStatus == CCIDSlotStatus(.presentActive, .failed))
        #expect(aborted.bError == .CMD_ABORTED)
        #expect(!h.device.isBusy)
        #expect(h.presence.events.contains(.aborted))
        // Until the bulk Abort arrives, other commands fail with CMD_ABORTED (§5.3.1).
        let meanwhile = h.transact(.getSlotStatus)
        #expect(meanwhile.bError == .CMD_ABORTED)
        h.device.bulkOut(CCIDCommand(bSeq: abortSeq, .abort).bytes)
        let done = try #require(h.replies().first)
        #expect(done.bSeq == abortSeq)
        #expect(done.message == .slotStatus(bClockStatus: .running))
        #expect(done.bStatus == CCIDSlotStatus(.presentActive))
        #expect(h.transmit("00CA010000").statusWord == .success, "the slot works again")
    }

    @Test("PC_to_RDR_Abort alone ends the open command too")
    func bulkAbortAlone() {
        let h = DeviceHarness()
        h.personalize()
        let open = h.startConfirmation()
        let abortSeq = h.send(.abort)
        let replies = h.replies()
        #expect(replies.map(\.bSeq) == [open, abortSeq])
        #expect(replies.first?.bError == .CMD_ABORTED)
        #expect(replies.last?.message == .slotStatus(bClockStatus: .running))
        #expect(h.control(0x21, 0x01, wValue: UInt16(abortSeq) << 8) == .ok)
        #expect(h.transact(.getSlotStatus).bStatus.bmCommandStatus == .processedWithoutError,
                "the late control ABORT for the same bSeq leaves the slot working")
    }

    @Test("IccPowerOn after an abort resets the card; the next confirmation works")
    func confirmAfterAbort() {
        let h = DeviceHarness()
        h.personalize()
        _ = h.startConfirmation()
        h.send(.abort)
        _ = h.replies()
        #expect(!h.device.isBusy)
        #expect(h.transmit(DeviceHarness.select).statusWord == .success)
    }
}
