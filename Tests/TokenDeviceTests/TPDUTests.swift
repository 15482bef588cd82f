import CCID
import ISO7816
import TokenDevice
import Testing

@Suite("TPDU level: T=1 in the device")
struct TPDUTests {
    /// A TPDU-level device, powered on.
    static func poweredOn() -> (DeviceHarness, T1Host) {
        let h = DeviceHarness(exchange: .tpdu)
        h.powerOn()
        return (h, T1Host(h))
    }

    static func status(_ response: [UInt8]) -> StatusWord {
        (try? ResponseAPDU(parsing: response))?.statusWord ?? StatusWord(0)
    }

    /// SELECT, CHANGE PIN and GENERATE of the transfer key over T=1, the holder pressing OK
    /// while the card waits: ready for CONFIRM TRANSFER.
    static func personalizeForTransfers(_ h: DeviceHarness, _ host: T1Host) {
        #expect(status(host.transmit(DeviceHarness.select)) == .success)
        #expect(status(host.transmit(DeviceHarness.changePIN)) == .success)
        let generated = host.transmit(DeviceHarness.generateTransferKey, whileWaiting: { _ in h.device.press(.ok) })
        #expect(status(generated) == .success, "the transfer key is generated after the holder's OK")
        h.presence.removeHistory()
    }

    @Test("personalization over T=1: command chains from the host, responses chained at IFSD 32")
    func personalization() throws {
        let (h, host) = TPDUTests.poweredOn()
        #expect(TPDUTests.status(host.transmit(DeviceHarness.select)) == .success)
        #expect(TPDUTests.status(host.transmit(DeviceHarness.changePIN)) == .success)
        let before = host.received.count
        let generated = host.transmit(DeviceHarness.generateAuthenticationKey)
        let key = try ResponseAPDU(parsing: generated)
        #expect(key.statusWord == .success)
        #expect(key.data.starts(with: [0x7F, 0x49]))
        let blocks = host.received[before...].filter { if case .information = $0.kind { return true } else { return false } }
        #expect(blocks.count == (generated.count + 31) / 32, "the response came in IFSD-sized parts")
        #expect(blocks.allSatisfy { $0.inf.count <= 32 })
        #expect(blocks.dropLast().allSatisfy { if case .information(_, true, _) = $0.kind { true } else { false } },
                "M set on every part but the last")
        // INTERNAL AUTHENTICATE with a 64-byte challenge is longer than IFSC: a chain from the
        // host, acknowledged part by part; the 128-byte signature comes back chained.
        let sentBefore = host.sent.count
        let authenticate = DeviceHarness.apdu("00880000", [UInt8](repeating: 0x5A, count: 64), le: true)
        let signature = try ResponseAPDU(parsing: host.transmit(authenticate))
        #expect(signature.statusWord == .success)
        #expect(signature.data.count == 128)
        let chained = host.sent[sentBefore...].filter { if case .information(_, true, _) = $0.kind { true } else { false } }
        #expect(chained.count == (authenticate.count - 1) / 32, "every part but the last has M set")
        let info = try ResponseAPDU(parsing: host.transmit([UInt8](hex: "00CA010000")!))
        #expect(try TLV.sequence(parsing: info.data).first(0xC0)?.value == DeviceHarness.serial)
        #expect(h.device.exchange == .tpdu)
    }

    @Test("CONFIRM TRANSFER: S(WTX request) while the holder decides, CCID time extensions harmless")
    func wtxDuringConfirmation() throws {
        let (h, host) = TPDUTests.poweredOn()
        TPDUTests.personalizeForTransfers(h, host)
        let wtxBefore = host.wtxRequests, extensionsBefore = host.timeExtensions   // the key generation waited too
        var pressed = false
        var waited = 0
        let response = host.transmit(DeviceHarness.confirmTransfer, whileWaiting: { _ in
            waited += 1
            if waited <= 12 {
                h.clock.advance(by: 250)
                h.device.tick()
            } else {
                h.device.press(.ok)
                pressed = true
            }
        })
        #expect(pressed)
        #expect(host.wtxRequests - wtxBefore >= 3, "the first at once, then one per second granted")
        #expect(host.timeExtensions - extensionsBefore >= 1, "CCID time extensions in between")
        let signed = try ResponseAPDU(parsing: response)
        #expect(signed.statusWord.isSuccess)
        #expect(signed.data.first == 0x7C)
        #expect(!h.device.isBusy)
        #expect(TPDUTests.status(host.transmit([UInt8](hex: "00CA010000")!)) == .success, "sequence numbers agree")
    }

    @Test("the card finishes before the S(WTX response): the response follows the WTX response at once")
    func heldResponse() throws {
        let (h, host) = TPDUTests.poweredOn()
        TPDUTests.personalizeForTransfers(h, host)
        let wtxBefore = host.wtxRequests   // the transfer key's generation waited too
        let response = host.transmit(DeviceHarness.confirmTransfer, beforeWTXResponse: {
            for _ in 0..<20 where h.device.isBusy { h.device.press(.cancel) }
        })
        #expect(TPDUTests.status(response) == StatusWord(0x6985))
        #expect(host.wtxRequests - wtxBefore == 1)
    }

    @Test("a block with a bad LRC gets R(NAK, EDC error); the retransmission is accepted")
    func badLRC() throws {
        let (_, host) = TPDUTests.poweredOn()
        var corrupted = T1Block.information(DeviceHarness.select, sequence: 0).bytes
        corrupted[corrupted.count - 1] ^= 0x55
        #expect(try T1Block(parsing: host.exchangeRaw(corrupted)) == .receiveReady(sequence: 0, error: .edcError))
        #expect(TPDUTests.status(host.transmit(DeviceHarness.select)) == .success)
    }

    @Test("invalid blocks get R(NAK, other error)", arguments: [
        [UInt8](hex: "00 1F 00")!,                 // I-block PCB with RFU bits
        [UInt8](hex: "00 C5 00")!,                 // unknown S-block function
        [UInt8](hex: "00 00 FF")!,                 // LEN FF reserved
        [UInt8](hex: "00 00 05 01 02")!,           // LEN beyond the block
        [UInt8](hex: "21 00 00")!,                 // NAD other than 0
        [UInt8](hex: "00 E3 01 01")!,              // S(WTX response) never asked for
    ])
    func invalidBlock(block: [UInt8]) throws {
        let (_, host) = TPDUTests.poweredOn()
        let bytes = block + [T1Block.lrc(block)]
        let answer = try T1Block(parsing: host.exchangeRaw(bytes))
        #expect(answer == .receiveReady(sequence: 0, error: .otherError))
    }

    @Test("an I-block longer than IFSC 32 is refused")
    func longerThanIFSC() {
        let (_, host) = TPDUTests.poweredOn()
        let answer = host.exchange(.information([UInt8](repeating: 0, count: 33), sequence: 0))
        #expect(answer == .receiveReady(sequence: 0, error: .otherError))
    }

    @Test("an I-block with the wrong N(S) is refused")
    func wrongSequence() {
        let (_, host) = TPDUTests.poweredOn()
        let answer = host.exchange(.information(DeviceHarness.select, sequence: 1))
        #expect(answer == .receiveReady(sequence: 0, error: .otherError))
    }

    @Test("R-block NAK on a response part: the card retransmits the same block; the chain then goes on")
    func retransmission() throws {
        let (_, host) = TPDUTests.poweredOn()
        #expect(TPDUTests.status(host.transmit(DeviceHarness.select)) == .success)
        #expect(TPDUTests.status(host.transmit(DeviceHarness.changePIN)) == .success)
        let first = host.exchange(.information(DeviceHarness.generateAuthenticationKey, sequence: host.sendSequence))
        guard case .information(let sequence, true, _) = first.kind else {
            Issue.record("expected a chained response, got \(first)")
            return
        }
        let again = host.exchange(.receiveReady(sequence: sequence, error: .edcError))
        #expect(again == first, "NAK: the same block")
        let next = host.exchange(.receiveReady(sequence: sequence ^ 1))
        guard case .information(let nextSequence, _, let data) = next.kind else {
            Issue.record("expected the next part, got \(next)")
            return
        }
        #expect(nextSequence == sequence ^ 1)
        #expect(data != first.inf)
    }

    @Test("S(RESYNCH): response E0, both sequence numbers back to 0")
    func resynch() {
        let (_, host) = TPDUTests.poweredOn()
        #expect(TPDUTests.status(host.transmit(DeviceHarness.select)) == .success)
        #expect(host.sendSequence == 1 && host.receiveSequence == 1)
        let answer = host.exchange(.supervisory(.resynchRequest))
        #expect(answer == .supervisory(.resynchResponse))
        #expect(answer.bytes == [0x00, 0xE0, 0x00, 0xE0])
        host.sendSequence = 0
        host.receiveSequence = 0
        #expect(TPDUTests.status(host.transmit(DeviceHarness.select)) == .success)
    }

    @Test("S(IFS request) changes IFSD: the card then sends longer parts")
    func ifs() throws {
        let (_, host) = TPDUTests.poweredOn()
        #expect(host.exchange(.supervisory(.ifsRequest(254))) == .supervisory(.ifsResponse(254)))
        #expect(TPDUTests.status(host.transmit(DeviceHarness.select)) == .success)
        #expect(TPDUTests.status(host.transmit(DeviceHarness.changePIN)) == .success)
        let before = host.received.count
        let generated = host.transmit(DeviceHarness.generateAuthenticationKey)
        #expect(TPDUTests.status(generated) == .success)
        #expect(generated.count <= 254)
        #expect(host.received.count - before == 1, "one block for the whole response")
        #expect(host.exchange(.supervisory(.ifsRequest(16))) == .supervisory(.ifsResponse(16)))
        let info = host.transmit([UInt8](hex: "00CA010000")!)
        #expect(host.received.suffix(2).allSatisfy { $0.inf.count <= 16 })
        #expect(TPDUTests.status(info) == .success)
    }

    @Test("S(ABORT) in a host chain: response E2, the chain is dropped")
    func abortChain() {
        let (_, host) = TPDUTests.poweredOn()
        let apdu = DeviceHarness.confirmTransfer
        let ack = host.exchange(.information(Array(apdu.prefix(32)), sequence: 0, more: true))
        #expect(ack == .receiveReady(sequence: 1))
        host.sendSequence = 1
        #expect(host.exchange(.supervisory(.abortRequest)) == .supervisory(.abortResponse))
        #expect(TPDUTests.status(host.transmit(DeviceHarness.select)) == .success, "a new command starts clean")
    }

    @Test("CCID Abort of an open T=1 wait: CMD_ABORTED, SlotStatus, and T=1 goes on")
    func abortWait() throws {
        let (h, host) = TPDUTests.poweredOn()
        TPDUTests.personalizeForTransfers(h, host)
        let open = host.startWaiting(DeviceHarness.confirmTransfer)
        #expect(h.device.isBusy)
        let abortSeq = h.send(.abort)
        let replies = h.replies()
        #expect(replies.map(\.bSeq) == [open, abortSeq])
        #expect(replies.first?.bError == .CMD_ABORTED)
        #expect(replies.last?.message == .slotStatus(bClockStatus: .running))
        #expect(!h.device.isBusy)
        #expect(TPDUTests.status(host.transmit([UInt8](hex: "00CA010000")!)) == .success, "sequence numbers agree")
    }

    @Test("card removal during a T=1 wait: failure ICC absent, and T=1 starts over after IccPowerOn")
    func removalDuringWait() throws {
        let (h, host) = TPDUTests.poweredOn()
        TPDUTests.personalizeForTransfers(h, host)
        let open = host.startWaiting(DeviceHarness.confirmTransfer)
        h.device.removeCard()
        let reply = try #require(h.replies().first)
        #expect(reply.bSeq == open)
        #expect(reply.bStatus == CCIDSlotStatus(.absent, .failed))
        #expect(reply.bError == .ICC_MUTE)
        h.device.insertCard()
        h.powerOn()
        host.sendSequence = 0
        host.receiveSequence = 0
        #expect(TPDUTests.status(host.transmit(DeviceHarness.select)) == .success)
    }

    @Test("while the card waits between S(WTX request) and response, tick() still times the holder out")
    func timeoutBetweenWTX() throws {
        let (h, host) = TPDUTests.poweredOn()
        TPDUTests.personalizeForTransfers(h, host)
        let response = host.transmit(DeviceHarness.confirmTransfer, beforeWTXResponse: {
            #expect(h.device.nextDeadline != nil, "the device wants ticks while the card waits")
            h.clock.advance(by: h.presence.confirmationTimeout)
            h.device.tick()
            #expect(h.replies().isEmpty, "no XfrBlock is open")
        })
        #expect(TPDUTests.status(response) == .timeout)
    }
}
