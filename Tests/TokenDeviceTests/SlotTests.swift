import CCID
import ISO7816
import TokenDevice
import Testing

@Suite("PC_to_RDR messages")
struct SlotTests {
    @Test("IccPowerOn: DataBlock with the ATR, which the ATR parser accepts; the slot is active")
    func powerOn() throws {
        let h = DeviceHarness()
        let before = h.transact(.getSlotStatus)
        #expect(before.bStatus == CCIDSlotStatus(.presentInactive))
        let reply = h.transact(.iccPowerOn(bPowerSelect: .automatic))
        #expect(reply.bStatus == CCIDSlotStatus(.presentActive))
        #expect(reply.bError == .commandNotSupported, "bError 00 with success")
        #expect(reply.abData == [UInt8](hex: "3B 8B 80 01 80 F9 A0 00 00 03 08 00 00 10 00 C8")!)
        let atr = try ATR(parsing: reply.abData)
        #expect(atr.bytes == reply.abData)
        #expect(h.transact(.getSlotStatus).message == .slotStatus(bClockStatus: .running))
    }

    @Test("IccPowerOff: SlotStatus, inactive, clock stopped; the selection is gone")
    func powerOff() {
        let h = DeviceHarness()
        h.powerOn()
        #expect(h.transmit(DeviceHarness.select).statusWord == .success)
        let reply = h.transact(.iccPowerOff)
        #expect(reply.bStatus == CCIDSlotStatus(.presentInactive))
        #expect(reply.message == .slotStatus(bClockStatus: .stoppedLow))
        let xfr = h.transact(.xfrBlock(bBWI: 0, wLevelParameter: 0, abData: [UInt8](hex: "00CA010000")!))
        #expect(xfr.bStatus == CCIDSlotStatus(.presentInactive, .failed), "no APDU to an unpowered card")
        #expect(xfr.bError == .ICC_MUTE)
        h.powerOn()
        #expect(h.transmit("00CA010000").statusWord == .insNotSupported, "power-off forgot the selection")
    }

    @Test("XfrBlock: SELECT and GET DATA through the slot")
    func selectAndGetData() throws {
        let h = DeviceHarness()
        h.powerOn()
        let select = h.transmit(DeviceHarness.select)
        #expect(select.statusWord == .success)
        #expect(select.data.first == 0x6F, "FCI")
        let info = h.transmit("00CA010000")
        #expect(info.statusWord == .success)
        let tlvs = try TLV.sequence(parsing: info.data)
        #expect(tlvs.first(0xC0)?.value == DeviceHarness.serial)
        #expect(tlvs.first(0xC3)?.value == [3], "3 PIN tries")
    }

    @Test("every reply echoes bSeq, including after the counter wraps")
    func bSeqEcho() {
        let h = DeviceHarness()
        for _ in 0..<300 {
            let bSeq = h.send(.getSlotStatus)
            let replies = h.replies()
            #expect(replies.count == 1 && replies[0].bSeq == bSeq)
        }
    }

    @Test("GetParameters / ResetParameters: the T=1 parameters of the ATR")
    func parameters() {
        let h = DeviceHarness()
        h.powerOn()
        let expected = CCIDProtocolData.t1(CCIDProtocolDataT1(bmFindexDindex: 0x11, bmTCCKST1: 0x10, bGuardTimeT1: 0,
                                                              bmWaitingIntegersT1: 0x4D, bClockStop: 0,
                                                              bIFSC: 0x20, bNadValue: 0))
        let get = h.transact(.getParameters)
        #expect(get.message == .parameters(expected))
        #expect(get.bStatus == CCIDSlotStatus(.presentActive))
        #expect(h.transact(.setParameters(.t0(CCIDProtocolDataT0()))).message == .parameters(.t0(CCIDProtocolDataT0())))
        #expect(h.transact(.getParameters).message == .parameters(.t0(CCIDProtocolDataT0())), "set is kept")
        #expect(h.transact(.resetParameters).message == .parameters(expected))
        #expect(h.transact(.getParameters).message == .parameters(expected), "reset is kept")
    }

    @Test("SetParameters accepts T=0 and T=1 and echoes them", arguments: [
        CCIDProtocolData.t1(CCIDProtocolDataT1(bmFindexDindex: 0x13, bmWaitingIntegersT1: 0x45, bIFSC: 0xFE)),
        CCIDProtocolData.t1(CCIDProtocolDataT1()),
        CCIDProtocolData.t0(CCIDProtocolDataT0(bmFindexDindex: 0x11, bWaitingIntegerT0: 0x0A)),
    ])
    func setParameters(data: CCIDProtocolData) {
        let h = DeviceHarness()
        h.powerOn()
        let reply = h.transact(.setParameters(data))
        #expect(reply.bStatus == CCIDSlotStatus(.presentActive))
        #expect(reply.message == .parameters(data))
    }

    @Test("SetParameters with a value the token cannot use fails with the field's offset", arguments: [
        (CCIDProtocolData.t1(CCIDProtocolDataT1(bmFindexDindex: 0x17)), UInt8(10)),
        (.t1(CCIDProtocolDataT1(bmFindexDindex: 0x70)), 10),
        (.t1(CCIDProtocolDataT1(bmTCCKST1: 0x11)), 11),
        (.t1(CCIDProtocolDataT1(bmTCCKST1: 0x12)), 11),
        (.t1(CCIDProtocolDataT1(bmWaitingIntegersT1: 0xA0)), 13),
        (.t1(CCIDProtocolDataT1(bClockStop: 4)), 14),
        (.t1(CCIDProtocolDataT1(bIFSC: 0)), 15),
        (.t1(CCIDProtocolDataT1(bIFSC: 0xFF)), 15),
        (.t1(CCIDProtocolDataT1(bNadValue: 0x21)), 16),
        (.t0(CCIDProtocolDataT0(bmTCCKST0: 0x02)), 11),
        (.t0(CCIDProtocolDataT0(bWaitingIntegerT0: 0)), 13),
    ])
    func setParametersRejected(data: CCIDProtocolData, offset: UInt8) {
        let h = DeviceHarness()
        h.powerOn()
        let reply = h.transact(.setParameters(data))
        #expect(reply.bStatus == CCIDSlotStatus(.presentActive, .failed))
        #expect(reply.bError == .badParameter(offset: offset))
        #expect(reply.message.messageType == .parameters)
        #expect(h.transact(.getParameters).message == .parameters(.t1(CCIDProtocolDataT1())), "unchanged")
    }

    @Test("unsupported commands: the spec's reply type, failed, bError 00", arguments: [
        (PCtoRDR.escape(abData: [1, 2, 3]), CCIDMessageType.escapeResponse),
        (.t0APDU(bmChanges: 1, bClassGetResponse: 0, bClassEnvelope: 0), .slotStatus),
        (.mechanical(bFunction: .ejectCard), .slotStatus),
    ])
    func unsupported(message: PCtoRDR, replyType: CCIDMessageType) {
        let h = DeviceHarness()
        h.powerOn()
        let reply = h.transact(message)
        #expect(reply.message.messageType == replyType)
        #expect(reply.bStatus == CCIDSlotStatus(.presentActive, .failed))
        #expect(reply.bError == .commandNotSupported)
    }

    @Test("IccClock stop and restart: SlotStatus with the clock status")
    func iccClock() {
        let h = DeviceHarness()
        h.powerOn()
        let stop = h.transact(.iccClock(bClockCommand: .stop))
        #expect(stop.bStatus == CCIDSlotStatus(.presentActive))
        #expect(stop.message == .slotStatus(bClockStatus: .stoppedLow))
        #expect(h.transact(.iccClock(bClockCommand: .restart)).message == .slotStatus(bClockStatus: .running))
    }

    @Test("SetDataRateAndClockFrequency answers the only clock and rate, 4000 kHz / 10752 bps")
    func dataRate() {
        let h = DeviceHarness()
        let reply = h.transact(.setDataRateAndClockFrequency(dwClockFrequency: 8000, dwDataRate: 115_200))
        #expect(reply.message == .dataRateAndClockFrequency(dwClockFrequency: 4000, dwDataRate: 10752))
        #expect(reply.bStatus.bmCommandStatus == .processedWithoutError)
    }

    @Test("Abort with nothing running: SlotStatus")
    func idleAbort() {
        let h = DeviceHarness()
        h.powerOn()
        let reply = h.transact(.abort)
        #expect(reply.message == .slotStatus(bClockStatus: .running))
        #expect(reply.bStatus == CCIDSlotStatus(.presentActive))
    }

    @Test("a wrong bSlot fails with bError 5, whatever the command", arguments: [
        PCtoRDR.iccPowerOn(bPowerSelect: .automatic), .getSlotStatus, .getParameters, .abort,
        .xfrBlock(bBWI: 0, wLevelParameter: 0, abData: [0x00, 0xA4, 0x04, 0x00]),
    ])
    func wrongSlot(message: PCtoRDR) {
        let h = DeviceHarness()
        let reply = h.transact(message, bSlot: 1)
        #expect(reply.bSlot == 1)
        #expect(reply.bStatus.bmCommandStatus == .failed)
        #expect(reply.bError == .badParameter(offset: 5))
        #expect(reply.message.messageType == message.messageType.responseType)
        #expect(h.transact(.getSlotStatus).bStatus == CCIDSlotStatus(.presentInactive), "slot 0 unaffected")
    }

    @Test("the card absent: IccPowerOn and XfrBlock fail with ICC_MUTE, bmICCStatus 2")
    func absent() {
        let h = DeviceHarness()
        h.configure()
        _ = h.device.takeInterrupt(maxLength: 8)
        h.device.removeCard()
        #expect(h.device.takeInterrupt(maxLength: 8) == [0x50, 0x02])
        #expect(!h.device.isCardPresent)
        for message in [PCtoRDR.iccPowerOn(bPowerSelect: .automatic),
                        .xfrBlock(bBWI: 0, wLevelParameter: 0, abData: [0x00, 0xCA, 0x01, 0x00])] {
            let reply = h.transact(message)
            #expect(reply.bStatus == CCIDSlotStatus(.absent, .failed))
            #expect(reply.bError == .ICC_MUTE)
        }
        #expect(h.transact(.getSlotStatus).bStatus == CCIDSlotStatus(.absent))
        h.device.insertCard()
        #expect(h.device.takeInterrupt(maxLength: 8) == [0x50, 0x03])
        #expect(h.transact(.getSlotStatus).bStatus == CCIDSlotStatus(.presentInactive), "inserted, not powered")
        h.powerOn()
        #expect(h.transmit(DeviceHarness.select).statusWord == .success)
    }

    @Test("XfrBlock with wLevelParameter chaining is refused (offset 8): dwMaxCCIDMessageLength needs none")
    func levelParameter() {
        let h = DeviceHarness()
        h.powerOn()
        let reply = h.transact(.xfrBlock(bBWI: 0, wLevelParameter: 1, abData: DeviceHarness.select))
        #expect(reply.bStatus == CCIDSlotStatus(.presentActive, .failed))
        #expect(reply.bError == .badParameter(offset: 8))
    }
}
