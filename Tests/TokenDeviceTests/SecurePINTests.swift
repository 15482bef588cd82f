import CardOS
import CCID
import ISO7816
import TokenDevice
import Testing

/// PC_to_RDR_Secure structures as libccid sends them (part 10's, without bTimeOut2 and
/// ulDataLength), and the holder typing on the keypad.
enum SecurePIN {
    static let pivAID: [UInt8] = [0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00]

    /// Banking VERIFY: ASCII at byte 0, block size 0 (Lc = the digits typed), 6–16 digits, OK ends.
    static func bankingVerify(timeOut: UInt8 = 0, teo: [UInt8] = [0, 0, 0]) -> CCIDPINOperation {
        CCIDPINOperation(bPINOperation: 0, bTimeOut: timeOut, bmFormatString: 0x82, bmPINBlockString: 0x00,
                         bmPINLengthFormat: 0x00, wPINMaxExtraDigit: 0x0610, bEntryValidationCondition: 0x02,
                         bNumberMessage: 1, wLangId: 0x0409, bMsgIndex: [0], bTeoPrologue: teo,
                         abPINApdu: [0x00, 0x20, 0x00, 0x81])
    }

    /// PIV CHANGE REFERENCE DATA: current and new PIN in 8-byte FF-padded ASCII blocks, the new
    /// one typed twice.
    static var pivChange: CCIDPINOperation {
        CCIDPINOperation(bPINOperation: 1, bTimeOut: 0, bmFormatString: 0x82, bmPINBlockString: 0x08,
                         bmPINLengthFormat: 0x00, bInsertionOffsetOld: 0, bInsertionOffsetNew: 8,
                         wPINMaxExtraDigit: 0x0608, bConfirmPIN: 0x03, bEntryValidationCondition: 0x02,
                         bNumberMessage: 3, wLangId: 0x0409, bMsgIndex: [0, 1, 2],
                         abPINApdu: [0x00, 0x24, 0x00, 0x80, 0x10] + [UInt8](repeating: 0xFF, count: 16))
    }

    static func type(_ h: DeviceHarness, _ digits: String, ok: Bool = true) {
        for c in digits.utf8 { h.device.press(key: .digit(c - 0x30)) }
        if ok { h.device.press(key: .ok) }
    }

    @discardableResult
    static func secure(_ h: DeviceHarness, _ operation: CCIDPINOperation) -> UInt8 {
        h.send(.secure(bBWI: 0, wLevelParameter: 0, abData: operation.bytes))
    }
}

@Suite("The keypad: PC_to_RDR_Secure")
struct SecurePINTests {
    @Test("the class descriptor announces PIN verification and modification, the 4×16 screen stays")
    func descriptor() {
        let h = DeviceHarness()
        #expect(h.device.classDescriptor.bPINSupport == [.verification, .modification])
        #expect(h.device.classDescriptor.wLcdLayout == 0x0410)
    }

    @Test("the structures round-trip as libccid lays them out (modification with 1, 2 or 3 message indices)")
    func structureRoundTrip() throws {
        #expect(try CCIDPINOperation(parsing: SecurePIN.bankingVerify().bytes) == SecurePIN.bankingVerify())
        #expect(SecurePIN.bankingVerify().bytes.count == 15 + 4)
        for (count, indices) in [(UInt8(0), [UInt8(0)]), (2, [0, 1]), (0xFF, [0, 1, 2])] {
            var change = SecurePIN.pivChange
            change.bNumberMessage = count
            change.bMsgIndex = indices
            #expect(try CCIDPINOperation(parsing: change.bytes) == change)
        }
        for cut in 1..<19 {
            #expect(throws: CCIDPINOperationError.self) { try CCIDPINOperation(parsing: Array(SecurePIN.bankingVerify().bytes.prefix(cut))) }
        }
    }

    @Test("verify: prompts with * per digit, the device builds VERIFY with Lc = digits typed, card answers 9000 / 63C2")
    func verify() throws {
        let h = DeviceHarness()
        h.powerOn()
        #expect(h.transmit(DeviceHarness.select).statusWord == .success)
        #expect(h.transmit(DeviceHarness.changePIN).statusWord == .success)
        let bSeq = SecurePIN.secure(h, SecurePIN.bankingVerify())
        #expect(h.replies().isEmpty, "the command waits for the holder")
        #expect(h.device.isWaitingForPIN)
        #expect(h.presence.currentScreen?.lines.first == "Enter PIN")
        SecurePIN.type(h, DeviceHarness.pin, ok: false)
        #expect(h.presence.currentScreen?.lines[1] == "********", "each digit shown as *")
        #expect(!h.presence.shownScreens.contains { $0.lines.joined().contains("2468") }, "the digits never shown")
        h.device.press(key: .ok)
        let reply = try #require(h.replies().first)
        #expect(reply.bSeq == bSeq)
        #expect(reply.bStatus.bmCommandStatus == .processedWithoutError)
        #expect(try ResponseAPDU(parsing: reply.abData).statusWord == .success)
        #expect(h.transmit("0020008100").statusWord == .success, "the PIN is verified")

        _ = SecurePIN.secure(h, SecurePIN.bankingVerify())
        SecurePIN.type(h, "99999999")
        #expect(try ResponseAPDU(parsing: try #require(h.replies().first).abData).statusWord == StatusWord(0x63C2))
    }

    @Test("Clear empties the digits; OK with fewer than the minimum answers 6403 without a try used")
    func clearAndLength() throws {
        let h = DeviceHarness()
        h.powerOn()
        #expect(h.transmit(DeviceHarness.select).statusWord == .success)
        _ = SecurePIN.secure(h, SecurePIN.bankingVerify())
        SecurePIN.type(h, "999", ok: false)
        h.device.press(key: .clear)
        #expect(h.presence.currentScreen?.lines[1] == "")
        SecurePIN.type(h, DeviceHarness.factoryPIN)
        #expect(try ResponseAPDU(parsing: try #require(h.replies().first).abData).statusWord == .success,
                "only the digits after Clear count")
        _ = SecurePIN.secure(h, SecurePIN.bankingVerify())
        SecurePIN.type(h, "12")
        #expect(try ResponseAPDU(parsing: try #require(h.replies().first).abData).statusWord == StatusWord(0x6403))
        #expect(h.transmit("0020008100").statusWord == .success, "still verified: no VERIFY reached the card")
    }

    @Test("Cancel fails the command with PIN_CANCELLED (EF), the time-out with PIN_TIMEOUT (F0), time extensions meanwhile")
    func cancelAndTimeout() throws {
        let h = DeviceHarness()
        h.powerOn()
        #expect(h.transmit(DeviceHarness.select).statusWord == .success)
        var bSeq = SecurePIN.secure(h, SecurePIN.bankingVerify())
        SecurePIN.type(h, "12", ok: false)
        h.device.press(key: .cancel)
        var reply = try #require(h.replies().first)
        #expect(reply.bSeq == bSeq)
        #expect(reply.bStatus.bmCommandStatus == .failed)
        #expect(reply.bError == .PIN_CANCELLED)
        #expect(!h.device.isBusy)

        bSeq = SecurePIN.secure(h, SecurePIN.bankingVerify(timeOut: 5))
        SecurePIN.type(h, "1", ok: false)
        var extensions = 0
        for _ in 0..<9 {
            h.clock.advance(by: 500)
            h.device.tick()
            let replies = h.replies()
            extensions += replies.filter { $0.bStatus.bmCommandStatus == .timeExtension && $0.bSeq == bSeq }.count
            #expect(replies.allSatisfy { $0.bStatus.bmCommandStatus == .timeExtension })
        }
        #expect(extensions == 9, "a time extension every 500 ms while the holder types")
        h.clock.advance(by: 600)
        h.device.tick()
        reply = try #require(h.replies().last)
        #expect(reply.bSeq == bSeq)
        #expect(reply.bError == .PIN_TIMEOUT)
        #expect(!h.device.isWaitingForPIN)
        #expect(h.presence.currentScreen == nil, "the screen is blanked")
    }

    @Test("modify: PIV CHANGE REFERENCE DATA with current, new and confirmation; a differing confirmation answers 6402")
    func modify() throws {
        let h = DeviceHarness()
        h.powerOn()
        #expect(h.transmit(DeviceHarness.apdu("00A40400", SecurePIN.pivAID, le: true)).statusWord == .success)
        _ = SecurePIN.secure(h, SecurePIN.pivChange)
        SecurePIN.type(h, "123456")
        #expect(h.presence.currentScreen?.lines.first == "New PIN")
        SecurePIN.type(h, "7654321")
        #expect(h.presence.currentScreen?.lines.first == "Confirm PIN")
        SecurePIN.type(h, "7654320")
        #expect(try ResponseAPDU(parsing: try #require(h.replies().first).abData).statusWord == StatusWord(0x6402))

        _ = SecurePIN.secure(h, SecurePIN.pivChange)
        SecurePIN.type(h, "123456")
        SecurePIN.type(h, "7654321")
        SecurePIN.type(h, "7654321")
        #expect(try ResponseAPDU(parsing: try #require(h.replies().first).abData).statusWord == .success)
        let padded = Array("7654321".utf8) + [0xFF]
        #expect(h.transmit(DeviceHarness.apdu("00200080", padded)).statusWord == .success, "the new PIV PIN works")
    }

    @Test("banking CHANGE in the keypad form: BCD blocks of 8 bytes built by the modification structure")
    func bankingKeypadChange() throws {
        let h = DeviceHarness()
        h.powerOn()
        #expect(h.transmit(DeviceHarness.select).statusWord == .success)
        let change = CCIDPINOperation(bPINOperation: 1, bTimeOut: 0, bmFormatString: 0x81, bmPINBlockString: 0x08,
                                      bmPINLengthFormat: 0, bInsertionOffsetOld: 0, bInsertionOffsetNew: 8,
                                      wPINMaxExtraDigit: 0x0610, bConfirmPIN: 0x03, bEntryValidationCondition: 0x02,
                                      bNumberMessage: 3, wLangId: 0x0409, bMsgIndex: [0, 1, 2],
                                      abPINApdu: [0x00, 0x24, 0x10, 0x81, 0x10] + [UInt8](repeating: 0xFF, count: 16))
        SecurePIN.secure(h, change)
        SecurePIN.type(h, DeviceHarness.factoryPIN)
        SecurePIN.type(h, "2468135790123456")
        #expect(h.presence.currentScreen?.lines[1] == "", "16 digits typed, the confirmation starts empty")
        SecurePIN.type(h, "2468135790123456")
        #expect(try ResponseAPDU(parsing: try #require(h.replies().first).abData).statusWord == .success)
        #expect(h.transmit(DeviceHarness.apdu("00200081", Array("2468135790123456".utf8))).statusWord == .success)
    }

    @Test("a structure the keypad cannot fill fails with the offset of the bad field")
    func badStructure() throws {
        let h = DeviceHarness()
        h.powerOn()
        var binary = SecurePIN.bankingVerify()
        binary.bmFormatString = 0x80
        SecurePIN.secure(h, binary)
        var reply = try #require(h.replies().first)
        #expect(reply.bStatus.bmCommandStatus == .failed)
        #expect(reply.bError == .badParameter(offset: 12), "bmFormatString is byte 12 of the message")
        var tooSmall = SecurePIN.pivChange
        tooSmall.abPINApdu = [0x00, 0x24, 0x00, 0x80, 0x08] + [UInt8](repeating: 0xFF, count: 8)
        SecurePIN.secure(h, tooSmall)
        reply = try #require(h.replies().first)
        #expect(reply.bError == .badParameter(offset: 13), "the PIN block does not fit the template")
        SecurePIN.secure(h, CCIDPINOperation(bPINOperation: 0, bTimeOut: 0, bmFormatString: 0x82, bmPINBlockString: 0,
                                             bmPINLengthFormat: 0, wPINMaxExtraDigit: 0x0610, bEntryValidationCondition: 2,
                                             bNumberMessage: 1, wLangId: 0x0409, bMsgIndex: [0], abPINApdu: [0x00, 0x20, 0x00]))
        reply = try #require(h.replies().first)
        #expect(reply.bStatus.bmCommandStatus == .failed, "an APDU shorter than 4 bytes")
        reply = h.transact(.secure(bBWI: 0, wLevelParameter: 0, abData: [0x00, 0x00]))
        #expect(reply.message.messageType == .dataBlock)
        #expect(reply.bError == .badParameter(offset: 12), "a structure cut short: the first missing byte")
        reply = h.transact(.secure(bBWI: 0, wLevelParameter: 0, abData: [0x04]))
        #expect(reply.bError == .badParameter(offset: 10), "bPINOperation 04 (cancel) is not offered")
        #expect(!h.device.isBusy)
    }

    @Test("TPDU level: bTeoPrologue carries the reader's N(S); the answer is the card's I-block, T=1 stays in step")
    func tpdu() throws {
        let (h, host) = TPDUTests.poweredOn()
        #expect(TPDUTests.status(host.transmit(DeviceHarness.select)) == .success)
        var wrong = SecurePIN.bankingVerify(teo: [0x00, (host.sendSequence ^ 1) << 6, 4])
        SecurePIN.secure(h, wrong)
        #expect(try #require(h.replies().first).bError == .badParameter(offset: 22), "N(S) out of step")
        wrong.bTeoPrologue = [0x00, host.sendSequence << 6, 4]
        SecurePIN.secure(h, wrong)
        SecurePIN.type(h, DeviceHarness.factoryPIN)
        let reply = try #require(h.replies().first)
        let block = try T1Block(parsing: reply.abData)
        guard case .information(let sequence, false, let inf) = block.kind else { Issue.record("not an I-block"); return }
        #expect(sequence == host.receiveSequence, "the card's N(S)")
        #expect(try ResponseAPDU(parsing: inf).statusWord == .success)
        host.sendSequence ^= 1
        host.receiveSequence ^= 1
        // Cancel: no I-block went either way, the sequence numbers stay.
        SecurePIN.secure(h, SecurePIN.bankingVerify(teo: [0x00, host.sendSequence << 6, 4]))
        h.device.press(key: .cancel)
        #expect(try #require(h.replies().first).bError == .PIN_CANCELLED)
        #expect(TPDUTests.status(host.transmit(DeviceHarness.changePIN)) == .success, "T=1 in step after both")
    }
}
