import CCID
import ISO7816
import TokenDevice
import Testing

@Suite("TPDU level: the device as a T=0 card behind a TPDU reader (--exchange tpdu-t0)")
struct T0Tests {
    /// A tpdu-t0 device, powered on.
    static func poweredOn() -> DeviceHarness {
        let h = DeviceHarness(exchange: .tpduT0)
        h.powerOn()
        return h
    }

    /// One TPDU in one XfrBlock: its DataBlock's abData.
    static func tpdu(_ h: DeviceHarness, _ bytes: [UInt8]) -> [UInt8] {
        let reply = h.transact(.xfrBlock(bBWI: 0, wLevelParameter: 0, abData: bytes))
        #expect(reply.bStatus.bmCommandStatus == .processedWithoutError, "XfrBlock \(bytes.hexString): \(reply)")
        return reply.abData
    }

    static func tpdu(_ h: DeviceHarness, _ hex: String) -> [UInt8] { tpdu(h, [UInt8](hex: hex)!) }

    static let selectTPDU = [UInt8](hex: "00A4040006")! + DeviceHarness.bankingAID

    @Test("descriptor: TPDU level without automatic parameter negotiation and PPS (0x0001003E), T=0 only; the ATR offers T=0 only with TA1 13")
    func descriptorAndATR() throws {
        let h = DeviceHarness(exchange: .tpduT0)
        let d = h.device.classDescriptor
        #expect(d.dwFeatures.rawValue == 0x0001_003E)
        #expect(d.dwFeatures.exchangeLevel == .tpdu)
        #expect(!d.dwFeatures.contains(.automaticParameterNegotiation) && !d.dwFeatures.contains(.automaticPPS))
        #expect(d.dwProtocols == [.t0])
        let atr = try ATR(parsing: h.powerOn())
        #expect(atr.protocols == [0])
        #expect(atr.ta1 == 0x13)
        #expect(h.powerOn() == [UInt8](hex: "3B9B13400A80F9A00000030800001000")!)
        guard case .parameters(let data) = h.transact(.getParameters).message else { Issue.record("no Parameters"); return }
        #expect(data == .t0(CCIDProtocolDataT0()), "T=0 at Fi 372 / Di 1 until the host changes it")
    }

    @Test("PPS FF 10 13 FC is echoed, a PPS for T=1 or with a bad PCK finds the card mute; SetParameters takes T=0 at TA1 and refuses T=1 (bProtocolNum, offset 7)")
    func ppsAndParameters() throws {
        let h = T0Tests.poweredOn()
        #expect(T0Tests.tpdu(h, "FF1013FC") == [0xFF, 0x10, 0x13, 0xFC])
        for bad in ["FF1113FD", "FF1013FD"] {
            let reply = h.transact(.xfrBlock(bBWI: 0, wLevelParameter: 0, abData: [UInt8](hex: bad)!))
            #expect(reply.bStatus.bmCommandStatus == .failed)
            #expect(reply.bError == .ICC_MUTE, "\(bad): \(reply)")
        }
        let t0 = CCIDProtocolDataT0(bmFindexDindex: 0x13, bWaitingIntegerT0: 0x0A)
        guard case .parameters(let set) = h.transact(.setParameters(.t0(t0))).message else { Issue.record("no Parameters"); return }
        #expect(set == .t0(t0))
        let refused = h.transact(.setParameters(.t1(CCIDProtocolDataT1(bmFindexDindex: 0x11, bmTCCKST1: 0x10, bGuardTimeT1: 0,
                                                                         bmWaitingIntegersT1: 0x4D, bClockStop: 0, bIFSC: 0x20,
                                                                         bNadValue: 0))))
        #expect(refused.bStatus.bmCommandStatus == .failed)
        #expect(refused.bError == .badParameter(offset: 7))
    }

    @Test("case 4 sent as case 3: 61xx, then GET RESPONSE with Le = xx gives the data and 9000; a larger Le gives 6Cxx, a smaller one a part and 61xx")
    func caseFourThroughGetResponse() throws {
        let h = T0Tests.poweredOn()
        let announced = T0Tests.tpdu(h, T0Tests.selectTPDU)
        #expect(announced.count == 2 && announced[0] == 0x61, "SELECT's FCI announced: \(announced.hexString)")
        let length = announced[1]
        #expect(T0Tests.tpdu(h, [0x00, 0xC0, 0x00, 0x00, length &+ 1]) == [0x6C, length], "Le above what is kept")
        let first = T0Tests.tpdu(h, [0x00, 0xC0, 0x00, 0x00, 4])
        #expect(first.count == 6 && first.suffix(2) == [0x61, length - 4], "4 bytes, then 61 with the rest")
        let rest = T0Tests.tpdu(h, [0x00, 0xC0, 0x00, 0x00, length - 4])
        let fci = try ResponseAPDU(parsing: first.dropLast(2) + rest)
        #expect(fci.statusWord == .success)
        #expect(fci.data.starts(with: [0x6F]))
        #expect(T0Tests.tpdu(h, "00C0000010") == StatusWord.conditionsNotSatisfied.bytes,
                "nothing kept any more: the card OS answers GET RESPONSE 6985")
    }

    @Test("case 2 with a wrong P3: 6C La, and the same header with P3 = La answers the data (the command is not run again)")
    func caseTwoWrongLength() throws {
        let h = T0Tests.poweredOn()
        _ = T0Tests.tpdu(h, T0Tests.selectTPDU)
        let refused = T0Tests.tpdu(h, "00CA010000")
        #expect(refused.count == 2 && refused[0] == 0x6C, "\(refused.hexString)")
        let info = try ResponseAPDU(parsing: T0Tests.tpdu(h, [0x00, 0xCA, 0x01, 0x00, refused[1]]))
        #expect(info.statusWord == .success)
        #expect(info.data.count == Int(refused[1]))
        #expect(try TLV.sequence(parsing: info.data).first(0xC0)?.value == DeviceHarness.serial)
        // GET CHALLENGE with the right P3 answers at once; case 1 (P3 = 00, no data) answers its status word.
        let challenge = T0Tests.tpdu(h, "0084000008")
        #expect(challenge.count == 10 && challenge.suffix(2) == [0x90, 0x00])
        #expect(T0Tests.tpdu(h, "0020008100") == [0x63, 0xC3], "VERIFY without data: not verified, 3 tries")
    }

    @Test("a case 4 command with its trailing Le byte (as stock libccid forwards it) is run as case 4 and answered 61xx")
    func trailingLe() throws {
        let h = T0Tests.poweredOn()
        let announced = T0Tests.tpdu(h, T0Tests.selectTPDU + [0x00])
        #expect(announced.count == 2 && announced[0] == 0x61, "\(announced.hexString)")
        let fci = try ResponseAPDU(parsing: T0Tests.tpdu(h, [0x00, 0xC0, 0x00, 0x00, announced[1]]))
        #expect(fci.statusWord == .success && fci.data.first == 0x6F)
        // A TPDU whose body is neither P3 nor P3 + 1 bytes long is refused with 6700.
        #expect(T0Tests.tpdu(h, [UInt8](hex: "00A4040006")! + DeviceHarness.bankingAID + [0x00, 0x00]) == StatusWord.wrongLength.bytes)
    }

    @Test("personalization and CONFIRM TRANSFER over T=0: time extensions while the holder decides, then 61xx and the signature by GET RESPONSE")
    func confirmTransfer() throws {
        let h = T0Tests.poweredOn()
        var timeExtensions = 0
        func run(_ apdu: [UInt8], whileWaiting: () -> Void = {}) throws -> ResponseAPDU {
            let command = try CommandAPDU(parsing: apdu)
            let tpdu = [command.cla, command.ins, command.p1, command.p2, UInt8(command.data.count)] + command.data
            let bSeq = h.send(.xfrBlock(bBWI: 0, wLevelParameter: 0, abData: tpdu))
            var answer: [UInt8]? = nil
            for _ in 0..<50 where answer == nil {
                for reply in h.replies() where reply.bSeq == bSeq {
                    if reply.bStatus.bmCommandStatus == .timeExtension { timeExtensions += 1 }
                    if reply.bStatus.bmCommandStatus == .processedWithoutError { answer = reply.abData }
                }
                if answer == nil { whileWaiting() }
            }
            var response = try #require(answer)
            if response.count == 2, response[0] == 0x61 {
                response = T0Tests.tpdu(h, [0x00, 0xC0, 0x00, 0x00, response[1]])
            }
            return try ResponseAPDU(parsing: response)
        }
        #expect(try run(DeviceHarness.select).statusWord == .success)
        #expect(try run(DeviceHarness.changePIN).statusWord == .success)
        #expect(try run(DeviceHarness.generateTransferKey, whileWaiting: { h.device.press(.ok) }).statusWord == .success)
        var ticks = 0
        timeExtensions = 0
        let signed = try run(DeviceHarness.confirmTransfer, whileWaiting: {
            ticks += 1
            if ticks <= 4 {
                h.clock.advance(by: 600)
                h.device.tick()
            } else {
                h.device.press(.ok)
            }
        })
        #expect(signed.statusWord == .success)
        #expect(signed.data.first == 0x7C)
        #expect(timeExtensions >= 1, "CCID time extensions while the holder decided")
    }
}
