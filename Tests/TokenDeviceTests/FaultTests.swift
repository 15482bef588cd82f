import CardOS
import CCID
import HostPlatform
import ISO7816
import Testing
@testable import TokenDevice

/// Issue 20: the faults a test harness injects through ``TokenDevice/commandHook``, as the host
/// sees them at CCID level, and that none of them lets a command past the card's checks.
@Suite("Fault injection")
struct FaultTests {
    /// A personalized token (PIN changed, both keys) whose hook gives `fault` to commands with `ins`.
    static func harness(_ ins: UInt8, _ fault: CommandFault, exchange: ExchangeLevel = .extendedAPDU,
                        personalize: Bool = false) -> DeviceHarness {
        let h = DeviceHarness(exchange: exchange)
        h.configure()
        if personalize { h.personalize() } else { h.powerOn() }
        h.device.commandHook = { command in command.ins == ins ? fault : nil }
        return h
    }

    static var changeBack: [UInt8] {
        DeviceHarness.apdu("00240081", [UInt8(DeviceHarness.pin.utf8.count)] + Array(DeviceHarness.pin.utf8)
                           + [UInt8(DeviceHarness.factoryPIN.utf8.count)] + Array(DeviceHarness.factoryPIN.utf8))
    }

    @Test("--respond --before: the status word comes back and the command did not run")
    func respondBefore() {
        let h = FaultTests.harness(0x24, .answerInstead([0x6F, 0x00]))
        #expect(h.transmit(DeviceHarness.select).statusWord == .success)
        #expect(h.transmit(DeviceHarness.changePIN).statusWord == StatusWord(0x6F00))
        h.device.commandHook = nil
        // The factory PIN is still the PIN: the change was not made.
        #expect(h.transmit(DeviceHarness.changePIN).statusWord == .success)
    }

    @Test("--respond --after: the command ran, its answer was replaced")
    func respondAfter() {
        let h = FaultTests.harness(0x24, .replaceAnswer([0x6F, 0x00]))
        #expect(h.transmit(DeviceHarness.select).statusWord == .success)
        #expect(h.transmit(DeviceHarness.changePIN).statusWord == StatusWord(0x6F00))
        h.device.commandHook = nil
        // The PIN did change: changing it back from the new PIN works.
        #expect(h.transmit(FaultTests.changeBack).statusWord == .success)
    }

    @Test("Chained commands match once, as reassembled: the last part carries the fault")
    func chainedMatch() {
        let h = DeviceHarness()
        h.configure()
        h.powerOn()
        var seen: [CommandAPDU] = []
        h.device.commandHook = { command in
            seen.append(command)
            return command.ins == 0x24 ? .answerInstead([0x6F, 0x01]) : nil
        }
        #expect(h.transmit(DeviceHarness.select).statusWord == .success)
        let data = Array(DeviceHarness.changePIN[5...])
        #expect(h.transmit([0x10, 0x24, 0x00, 0x81, 4] + data.prefix(4)).statusWord == .success)
        #expect(h.transmit([0x00, 0x24, 0x00, 0x81, UInt8(data.count - 4)] + data.dropFirst(4)).statusWord == StatusWord(0x6F01))
        #expect(seen.count == 2, "SELECT and the whole CHANGE, not the part")
        #expect(seen.last?.data == data)
        #expect(seen.last?.cla == 0x00)
    }

    @Test("--delay: time extensions, then the answer after the delay (never before)")
    func delay() {
        let h = FaultTests.harness(0xA4, .delay(milliseconds: 1_200))
        let bSeq = h.send(.xfrBlock(bBWI: 0, wLevelParameter: 0, abData: DeviceHarness.select))
        #expect(h.replies().isEmpty)
        var extensions = 0
        var answer: CCIDReply? = nil
        var elapsed: UInt64 = 0
        while answer == nil && elapsed < 5_000 {
            h.clock.advance(by: 100)
            elapsed += 100
            h.device.tick()
            for reply in h.replies() {
                #expect(reply.bSeq == bSeq)
                if reply.bStatus.bmCommandStatus == .timeExtension { extensions += 1 } else { answer = reply }
            }
        }
        #expect(elapsed >= 1_200)
        #expect(extensions >= 2)
        #expect(answer.flatMap { try? ResponseAPDU(parsing: $0.abData) }?.statusWord == .success)
    }

    @Test("--no-answer: time extensions until the host aborts; --silent: nothing at all")
    func noAnswer() {
        for timeExtensions in [true, false] {
            let h = FaultTests.harness(0xA4, .noAnswer(timeExtensions: timeExtensions))
            let bSeq = h.send(.xfrBlock(bBWI: 0, wLevelParameter: 0, abData: DeviceHarness.select))
            var replies: [CCIDReply] = []
            for _ in 0..<40 {
                h.clock.advance(by: 500)
                if let deadline = h.device.nextDeadline, deadline <= h.clock.milliseconds { h.device.tick() }
                replies += h.replies()
            }
            #expect(replies.allSatisfy { $0.bStatus.bmCommandStatus == .timeExtension })
            #expect(timeExtensions ? replies.count >= 30 : replies.isEmpty)
            #expect(timeExtensions || h.device.nextDeadline == nil)
            // The host gives up: PC_to_RDR_Abort ends the command with CMD_ABORTED.
            let abort = h.send(.abort)
            let after = h.replies()
            #expect(after.contains { $0.bSeq == bSeq && $0.bStatus.bmCommandStatus == .failed })
            #expect(after.contains { $0.bSeq == abort })
            h.device.commandHook = nil
            #expect(h.transmit(DeviceHarness.select).statusWord == .success, "the slot works again")
        }
    }

    @Test("--remove: ICC_MUTE with the card absent, then NotifySlotChange")
    func remove() {
        let h = FaultTests.harness(0xA4, .remove)
        _ = h.device.takeInterrupt(maxLength: 8)
        let reply = h.transact(.xfrBlock(bBWI: 0, wLevelParameter: 0, abData: DeviceHarness.select))
        #expect(reply.bStatus.bmCommandStatus == .failed)
        #expect(reply.bStatus.bmICCStatus == .absent)
        #expect(reply.bError == .ICC_MUTE)
        #expect(h.device.takeInterrupt(maxLength: 8) == [0x50, 0x02])
        #expect(!h.device.isCardPresent)
    }

    @Test("--reset: ICC_MUTE, the card unpowered, its security state gone; power-on gives the ATR again")
    func reset() {
        let h = FaultTests.harness(0xCA, .reset)
        #expect(h.transmit(DeviceHarness.select).statusWord == .success)
        let reply = h.transact(.xfrBlock(bBWI: 0, wLevelParameter: 0, abData: [UInt8](hex: "00CA010000")!))
        #expect(reply.bStatus.bmCommandStatus == .failed)
        #expect(reply.bStatus.bmICCStatus == .presentInactive)
        #expect(h.powerOn() == TokenFirmware<TestPlatform>.atr)
        h.device.commandHook = nil
        #expect(h.transmit("00CA010000").statusWord == .insNotSupported, "the reset forgot the selection")
    }

    @Test("Power lost during the NVM commit: no answer at all, the last committed state kept")
    func tornCommit() {
        let h = FaultTests.harness(0x00, .remove)   // no fault fires: INS 00 is never sent
        #expect(h.transmit(DeviceHarness.select).statusWord == .success)
        let before = h.memory.committedRecords
        h.memory.cutPower(atWrite: 1)
        _ = h.send(.xfrBlock(bBWI: 0, wLevelParameter: 0, abData: DeviceHarness.changePIN))
        #expect(h.replies().isEmpty, "no 6581: a card without power sends nothing")
        #expect(h.device.nextDeadline == nil, "and no time extensions either")
        #expect(h.memory.committedRecords == before)
    }

    @Test("T=1 --corrupt-block: the answer block's EDC is wrong; the R-block gets it intact")
    func corruptBlock() throws {
        let h = FaultTests.harness(0xA4, .corruptBlock, exchange: .tpdu)
        let host = T1Host(h)
        let raw = host.exchangeRaw(T1Block.information(DeviceHarness.select, sequence: 0).bytes)
        #expect(throws: (any Error).self) { try T1Block(parsing: raw) }
        let again = host.exchange(.receiveReady(sequence: 0, error: .edcError))
        guard case .information(_, _, let data) = again.kind else {
            Issue.record("expected the I-block again, got \(again)")
            return
        }
        #expect(data.suffix(2) == [0x90, 0x00])
    }

    @Test("T=1 --wtx N: S(WTX request) with multiplier N before the answer")
    func waitingTimeExtension() {
        let h = FaultTests.harness(0xA4, .waitingTimeExtension(multiplier: 3), exchange: .tpdu)
        let host = T1Host(h)
        let response = host.transmit(DeviceHarness.select, whileWaiting: { _ in
            h.clock.advance(by: 50)
            h.device.tick()
        })
        #expect(response.suffix(2) == [0x90, 0x00])
        #expect(host.received.contains(.supervisory(.wtxRequest(multiplier: 3))))
    }

    @Test("No fault makes a transfer signature without the holder's OK")
    func noSignatureWithoutOK() {
        let faults: [CommandFault] = [.answerInstead([0x90, 0x00]), .replaceAnswer([0x90, 0x00]), .delay(milliseconds: 100),
                                      .noAnswer(timeExtensions: true), .noAnswer(timeExtensions: false), .remove, .reset]
        for fault in faults {
            let h = FaultTests.harness(0xC0, fault, personalize: true)
            #expect(h.transmit(DeviceHarness.select).statusWord == .success)
            #expect(h.transmit(DeviceHarness.apdu("00200081", Array(DeviceHarness.pin.utf8))).statusWord == .success)
            let before = h.memory.committedRecords
            let bSeq = h.send(.xfrBlock(bBWI: 0, wLevelParameter: 0, abData: DeviceHarness.confirmTransfer))
            var answers: [[UInt8]] = []
            for _ in 0..<10 {
                h.device.press(.cancel)
                h.clock.advance(by: 200)
                h.device.tick()
                answers += h.replies().filter { $0.bSeq == bSeq && $0.bStatus.bmCommandStatus == .processedWithoutError }
                    .map(\.abData)
            }
            #expect(answers.allSatisfy { $0.count <= 2 }, "\(fault): no signature left the card")
            #expect(h.memory.committedRecords == before, "\(fault): the transfer counter did not move")
        }
    }
}
