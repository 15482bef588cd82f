import CCID
import Testing
import USB
@testable import UKeyDriver

/// A TPDU-level CCID reader with a scripted T=0 card: each XfrBlock's TPDU goes to `card`,
/// which answers data + SW1 SW2 (the reader handles the procedure bytes). Records every command.
final class T0ReaderTransport: USBTransport, @unchecked Sendable {
    /// QEMU 7.2's usb-ccid card (hw/usb/ccid-card-*): T=0 only, TA1 18, TB1 00, TC1 00.
    static let qemuATR: [UInt8] = [0x3B, 0x7A, 0x18, 0x00, 0x00, 0x73, 0x66, 0x74, 0x65, 0x20, 0x63, 0x64, 0x31, 0x34, 0x34]
    /// QEMU's dwFeatures: TPDU level, automatic parameters (0x40) and PPS (0x80), …
    static let qemuFeatures = CCIDFeatures(rawValue: 0x0001_04FE)

    let device: USBDeviceInfo
    let atr: [UInt8]
    var card: ([UInt8]) -> [UInt8]
    private(set) var commands: [PCtoRDR] = []
    private var pending: [[UInt8]] = []

    init(features: CCIDFeatures = T0ReaderTransport.qemuFeatures, protocols: CCIDProtocols = .t0,
         atr: [UInt8] = T0ReaderTransport.qemuATR, card: @escaping ([UInt8]) -> [UInt8] = { _ in [0x90, 0x00] }) {
        self.atr = atr
        self.card = card
        let descriptor = CCIDClassDescriptor(
            bVoltageSupport: .volts5_0, dwProtocols: protocols, dwDefaultClock: 3580, dwMaximumClock: 3580,
            dwDataRate: 9600, dwMaxDataRate: 412_903, dwMaxIFSD: 254, dwFeatures: features, dwMaxCCIDMessageLength: 271)
        device = USBDeviceInfo(deviceDescriptor: USBDeviceDescriptor(idVendor: 0x08E6, idProduct: 0x4433),
                               interface: CCIDInterfaceDescriptor(bulkOut: 0x01, bulkIn: 0x82, interruptIn: 0x83,
                                                                  classDescriptor: descriptor))
    }

    /// The TPDUs the card received, in order.
    var tpdus: [[UInt8]] {
        commands.compactMap { if case .xfrBlock(_, _, let data) = $0 { return data } else { return nil } }
    }

    var parameters: [CCIDProtocolData] {
        commands.compactMap { if case .setParameters(let p) = $0 { return p } else { return nil } }
    }

    func bulkOutIn(_ message: [UInt8], inLength: Int, timeout: Int) throws(DriverError) -> [UInt8] {
        guard let command = try? CCIDCommand(parsing: message) else { throw .timeout }
        commands.append(command.message)
        let reply: RDRtoPC
        switch command.message {
        case .iccPowerOn: reply = .dataBlock(bChainParameter: .beginsAndEnds, abData: atr)
        case .xfrBlock(_, _, let tpdu): reply = .dataBlock(bChainParameter: .beginsAndEnds, abData: card(tpdu))
        case .setParameters(let p): reply = .parameters(p)
        default: reply = .slotStatus(bClockStatus: .running)
        }
        return CCIDReply(bSeq: command.bSeq, bStatus: .init(.presentActive), reply).bytes
    }

    func bulkIn(maxLength: Int, timeout: Int) throws(DriverError) -> [UInt8] { throw .timeout }
    func control(_ setup: USBSetupPacket, data: [UInt8], timeout: Int) throws(DriverError) -> [UInt8] { [] }
    func interruptIn(timeout: Int) throws(DriverError) -> [UInt8]? { nil }
    func wakeInterrupt() {}
    func close() {}
}

/// T=0 at TPDU level (ISO/IEC 7816-3 §10, §12.2; CCID rev 1.1 §6.1.4): each APDU case as TPDUs,
/// 6Cxx and 61xx, Ne, the extended refusal, and protocol and parameters as libccid decides.
@Suite struct T0ReaderTests {
    /// A reader on `transport`, powered, T=0 set.
    func reader(_ transport: T0ReaderTransport) throws -> Reader {
        let reader = Reader(transport: transport, readTimeout: 100)
        _ = try reader.powerUp()
        try reader.setProtocol(0)
        return reader
    }

    @Test func case1GoesWithP3Zero() throws {
        let transport = T0ReaderTransport()
        #expect(try reader(transport).transmit([0x00, 0x44, 0x00, 0x00]) == [0x90, 0x00])
        #expect(transport.tpdus == [[0x00, 0x44, 0x00, 0x00, 0x00]])
    }

    @Test func case2GoesWithP3LeAnd256AsZero() throws {
        let transport = T0ReaderTransport { _ in [0x01, 0x02, 0x90, 0x00] }
        let reader = try reader(transport)
        #expect(try reader.transmit([0x00, 0xCA, 0x00, 0xC0, 0x02]) == [0x01, 0x02, 0x90, 0x00])
        #expect(try reader.transmit([0x00, 0xCA, 0x00, 0xC0, 0x00]) == [0x01, 0x02, 0x90, 0x00])
        #expect(transport.tpdus == [[0x00, 0xCA, 0x00, 0xC0, 0x02], [0x00, 0xCA, 0x00, 0xC0, 0x00]])
    }

    @Test func case2WrongP3IsSentAgainWithTheLengthOf6Cxx() throws {
        let transport = T0ReaderTransport { $0[4] == 0x05 ? [1, 2, 3, 4, 5, 0x90, 0x00] : [0x6C, 0x05] }
        #expect(try reader(transport).transmit([0x00, 0xB0, 0x00, 0x00, 0x00]) == [1, 2, 3, 4, 5, 0x90, 0x00])
        #expect(transport.tpdus == [[0x00, 0xB0, 0x00, 0x00, 0x00], [0x00, 0xB0, 0x00, 0x00, 0x05]])
    }

    @Test func case3GoesWithP3Lc() throws {
        let transport = T0ReaderTransport()
        #expect(try reader(transport).transmit([0x00, 0x20, 0x00, 0x81, 0x02, 0xAA, 0xBB]) == [0x90, 0x00])
        #expect(transport.tpdus == [[0x00, 0x20, 0x00, 0x81, 0x02, 0xAA, 0xBB]])
    }

    /// Case 4 goes as case 3; the card's 61xx is fetched with GET RESPONSE (CLA 00 with the
    /// command's logical channel).
    @Test func case4GoesAsCase3ThenGetResponse() throws {
        let transport = T0ReaderTransport { $0[1] == 0xC0 ? [0x6F, 0x01, 0x02, 0x90, 0x00] : [0x61, 0x03] }
        let select: [UInt8] = [0x01, 0xA4, 0x04, 0x00, 0x02, 0x3F, 0x00, 0x00]
        #expect(try reader(transport).transmit(select) == [0x6F, 0x01, 0x02, 0x90, 0x00])
        #expect(transport.tpdus == [[0x01, 0xA4, 0x04, 0x00, 0x02, 0x3F, 0x00], [0x01, 0xC0, 0x00, 0x00, 0x03]])
    }

    /// A chain of 61xx: each GET RESPONSE asks min(xx, what Ne still wants); at Ne the chain
    /// stops and the card's further 61xx goes to the caller.
    @Test func chainOf61xxStopsAtNeAndPassesTheLast61xxUp() throws {
        var served = 0
        let transport = T0ReaderTransport { tpdu in
            guard tpdu[1] == 0xC0 else { return [0x61, 0x10] }
            let count = tpdu[4] == 0 ? 256 : Int(tpdu[4])
            served += count
            return [UInt8](repeating: 0x5A, count: count) + [0x61, 0x08]
        }
        let reader = try reader(transport)
        // Ne 20: 16, then min(8, 4) = 4, then 61 08 goes up.
        let response = try reader.transmit([0x80, 0x30, 0x00, 0x00, 0x01, 0xAA, 0x14])
        #expect(response == [UInt8](repeating: 0x5A, count: 20) + [0x61, 0x08])
        #expect(transport.tpdus.dropFirst().map { $0 } == [[0x00, 0xC0, 0x00, 0x00, 0x10], [0x00, 0xC0, 0x00, 0x00, 0x04]])
        #expect(served == 20)
    }

    @Test func chainOf61xxEndsWithTheCardsLastStatusWord() throws {
        var parts = 0
        let transport = T0ReaderTransport { tpdu in
            guard tpdu[1] == 0xC0 else { return [0x61, 0x02] }
            parts += 1
            return parts < 3 ? [0x01, 0x02, 0x61, 0x02] : [0x03, 0x04, 0x90, 0x00]
        }
        let response = try reader(transport).transmit([0x00, 0x88, 0x00, 0x00, 0x01, 0xAA, 0x00])
        #expect(response == [0x01, 0x02, 0x01, 0x02, 0x03, 0x04, 0x90, 0x00])
        #expect(transport.tpdus.count == 4)
    }

    @Test func getResponseWithAWrongLengthFollows6Cxx() throws {
        let transport = T0ReaderTransport { tpdu in
            guard tpdu[1] == 0xC0 else { return [0x61, 0x04] }
            return tpdu[4] == 0x02 ? [0x01, 0x02, 0x90, 0x00] : [0x6C, 0x02]
        }
        #expect(try reader(transport).transmit([0x00, 0x88, 0x00, 0x00, 0x01, 0xAA, 0x00]) == [0x01, 0x02, 0x90, 0x00])
        #expect(transport.tpdus.dropFirst().map { $0 } == [[0x00, 0xC0, 0x00, 0x00, 0x04], [0x00, 0xC0, 0x00, 0x00, 0x02]])
    }

    @Test func extendedAPDUIsRefusedWithACommunicationError() throws {
        let transport = T0ReaderTransport()
        let reader = try reader(transport)
        let expected = DriverError.communication("extended APDU needs T=1 or an APDU-level reader")
        #expect(throws: expected) { try reader.transmit([0x00, 0xCA, 0x00, 0xC0, 0x00, 0x01, 0x00]) }
        #expect(throws: expected) { try reader.transmit([0x00, 0xDA, 0x00, 0xC0, 0x00, 0x00, 0x01, 0xAA]) }
        #expect(IFDResponse.code(for: expected) == 612)
        #expect(transport.tpdus.isEmpty)
    }

    /// QEMU's usb-ccid: dwFeatures has 0x40, so no SetParameters and no PPS; T=0 accepted, T=1
    /// (not in dwProtocols nor in the ATR) refused.
    @Test func qemuReaderTakesT0WithoutSetParametersOrPPS() throws {
        let transport = T0ReaderTransport()
        let reader = try reader(transport)
        #expect(throws: DriverError.protocolNotSupported) { try reader.setProtocol(1) }
        _ = try reader.transmit([0x00, 0x44, 0x00, 0x00])
        #expect(transport.parameters.isEmpty)
        #expect(transport.tpdus == [[0x00, 0x44, 0x00, 0x00, 0x00]])
    }

    /// Without SetProtocol, TransmitToICC starts what the ATR and reader offer (T=0), never T=1.
    @Test func transmitWithoutSetProtocolNeverStartsT1OnAT0Card() throws {
        let transport = T0ReaderTransport(features: [.tpduLevel, .automaticPPS])
        let reader = Reader(transport: transport, readTimeout: 100)
        _ = try reader.powerUp()
        #expect(try reader.transmit([0x00, 0x44, 0x00, 0x00]) == [0x90, 0x00])
        #expect(transport.parameters.count == 1)
        #expect(transport.parameters.allSatisfy { $0.bProtocolNum == 0 })
        #expect(transport.tpdus == [[0x00, 0x44, 0x00, 0x00, 0x00]])
    }

    /// dwFeatures without 0x40 and 0x80: PPS to TA1 (FF 10 18 PCK, echoed), then SetParameters
    /// T=0 with TA1, TC1 and WI from the ATR.
    @Test func withoutAutomaticNegotiationPPSThenSetParametersFromTheATR() throws {
        let atr: [UInt8] = [0x3B, 0xF0, 0x18, 0x00, 0x02, 0x40, 0x20]     // TA1 18 TB1 00 TC1 02, TD1 40 → TC2 20
        let transport = T0ReaderTransport(features: [.tpduLevel], atr: atr) { $0.first == 0xFF ? $0 : [0x90, 0x00] }
        _ = try reader(transport)
        #expect(transport.tpdus == [[0xFF, 0x10, 0x18, 0xFF ^ 0x10 ^ 0x18]])
        #expect(transport.parameters == [.t0(CCIDProtocolDataT0(bmFindexDindex: 0x18, bGuardTimeT0: 0x02, bWaitingIntegerT0: 0x20))])
    }

    @Test func refusedPPSKeepsTheDefaultFiDi() throws {
        let transport = T0ReaderTransport(features: [.tpduLevel]) { _ in [0x6F, 0x00] }
        _ = try reader(transport)
        #expect(transport.parameters == [.t0(CCIDProtocolDataT0(bmFindexDindex: 0x11))])
    }

    /// 0x80 (automatic PPS): no PPS from the driver, SetParameters with TA1.
    @Test func automaticPPSSendsSetParametersWithoutPPS() throws {
        let transport = T0ReaderTransport(features: [.tpduLevel, .automaticPPS])
        _ = try reader(transport)
        #expect(transport.tpdus.isEmpty)
        #expect(transport.parameters == [.t0(CCIDProtocolDataT0(bmFindexDindex: 0x18))])
    }
}
