import CCID
import Foundation
import ISO7816
import Testing
import TokenDevice
@testable import UKeyDriver

/// The driver's reader model against the real firmware (TokenDevice) in process.
@Suite(.serialized) struct TokenDeviceHostTests {
    static let select: [UInt8] = [0x00, 0xA4, 0x04, 0x00, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]
    static let getData: [UInt8] = [0x00, 0xCA, 0x01, 0x00, 0x00]

    static func apdu(_ cla: UInt8, _ ins: UInt8, _ p1: UInt8, _ p2: UInt8, _ data: [UInt8], le: Bool = false) -> [UInt8] {
        try! CommandAPDU(cla: cla, ins: ins, p1: p1, p2: p2, data: data, ne: le ? 256 : nil).bytes
    }

    static func reader(_ fixture: TokenFixture) throws -> (Reader, LoopbackTransport) {
        let transport = try LoopbackTransport(LockedDevice(fixture))
        return (Reader(transport: transport, readTimeout: 2_000), transport)
    }

    /// SELECT, VERIFY the factory PIN, CHANGE it, GENERATE the RSA-1024 transfer key, which
    /// waits for the holder's OK: pressed on the device as soon as the link is idle.
    static func prepare(_ reader: Reader, _ fixture: TokenFixture, _ transport: LoopbackTransport) throws {
        _ = try reader.powerUp()
        try reader.setProtocol(1)
        #expect(try reader.transmit(select).suffix(2) == [0x90, 0x00])
        #expect(try reader.transmit(apdu(0x00, 0x20, 0x00, 0x81, TokenFixture.pin)) == [0x90, 0x00])
        let change = [UInt8(TokenFixture.pin.count)] + TokenFixture.pin + [UInt8(TokenFixture.newPIN.count)] + TokenFixture.newPIN
        #expect(try reader.transmit(apdu(0x00, 0x24, 0x00, 0x81, change)) == [0x90, 0x00])
        transport.onIdle = { fixture.confirm() }
        defer { transport.onIdle = nil }
        #expect(try reader.transmit(apdu(0x00, 0x47, 0x80, 0x01, [0x80, 0x01, 0x01], le: true)).suffix(2) == [0x90, 0x00])
    }

    static var confirmTransfer: [UInt8] {
        func tlv(_ tag: UInt8, _ value: [UInt8]) -> [UInt8] { [tag, UInt8(value.count)] + value }
        let body = tlv(0x80, Array("DE89370400440532013000".utf8)) + tlv(0x81, Array("Alice".utf8))
            + tlv(0x82, Array("12.50".utf8)) + tlv(0x83, Array("CNY".utf8)) + tlv(0x85, [UInt8](repeating: 7, count: 16))
        return apdu(0x80, 0xC0, 0x00, 0x00, tlv(0x70, body), le: true)
    }

    @Test func powerOnGivesTheATRAndSelectAndGetDataWork() throws {
        let fixture = TokenFixture()
        let (reader, _) = try Self.reader(fixture)
        #expect(try reader.powerUp() == TokenFirmware<TestPlatform>.atr)
        try reader.setProtocol(1)
        let fci = try reader.transmit(Self.select)
        #expect(fci.suffix(2) == [0x90, 0x00])
        let info = try reader.transmit(Self.getData)
        #expect(info.suffix(2) == [0x90, 0x00])
        #expect(info.starts(with: [0xC0, 0x08] + TokenFixture.serial))
        #expect(try reader.isCardPresent())
    }

    @Test func confirmTransferWaitsWithTimeExtensionsUntilOK() throws {
        let fixture = TokenFixture()
        let (reader, transport) = try Self.reader(fixture)
        try Self.prepare(reader, fixture, transport)
        transport.onIdle = {
            fixture.advance(100)
            if fixture.clock.milliseconds >= 5_000 { fixture.confirm() }
        }
        let response = try reader.transmit(Self.confirmTransfer)
        #expect(response.suffix(2) == [0x90, 0x00])
        #expect(response.first == 0x7C)
        let extensions = transport.bulkInReplies.filter { $0.count >= 10 && $0[7] & 0xC0 == 0x80 }
        #expect(extensions.count >= 5, "the host kept waiting through time extensions")
    }

    /// A holder who never decides: the token keeps sending time extensions, and the driver
    /// gives up at `apduTimeLimit` with a CCID Abort, which ends the token's confirmation; the
    /// next APDU works.
    @Test func confirmationPastTheAPDUTimeLimitIsAbortedAndTheReaderStillWorks() throws {
        let fixture = TokenFixture()
        let (reader, transport) = try Self.reader(fixture)
        try Self.prepare(reader, fixture, transport)
        reader.host.apduTimeLimit = 300
        transport.onIdle = { fixture.advance(10) }
        let start = Date()
        #expect(throws: DriverError.timeExtensionLimit(milliseconds: 300)) { try reader.transmit(Self.confirmTransfer) }
        #expect(Date().timeIntervalSince(start) < 30, "the limit ends the command (a hang guard)")
        #expect(IFDResponse.code(for: .timeExtensionLimit(milliseconds: 300)) == 613)
        let extensions = transport.bulkInReplies.filter { $0.count >= 10 && $0[7] & 0xC0 == 0x80 }
        #expect(extensions.count >= 2, "time extensions came before the limit")
        #expect(fixture.locked { !$0.isBusy }, "the Abort ended the token's confirmation")
        transport.onIdle = nil
        #expect(try reader.transmit(Self.select).suffix(2) == [0x90, 0x00], "the reader works after the abort")
    }

    /// The same at TPDU level, where the card asks with S(WTX): refused past the limit, and the
    /// next APDU starts with S(RESYNCH).
    @Test func tpduLevelWTXPastTheLimitIsRefusedAndTheNextAPDUResynchronises() throws {
        let fixture = TokenFixture(exchange: .tpdu)
        let (reader, transport) = try Self.reader(fixture)
        try Self.prepare(reader, fixture, transport)
        reader.host.apduTimeLimit = 300
        transport.onIdle = { fixture.advance(10) }
        #expect(throws: DriverError.timeExtensionLimit(milliseconds: 300)) { try reader.transmit(Self.confirmTransfer) }
        #expect(fixture.locked { !$0.isBusy }, "the Abort ended the token's confirmation")
        transport.onIdle = nil
        let before = transport.bulkInReplies.count
        #expect(try reader.transmit(Self.select).suffix(2) == [0x90, 0x00], "the reader works after resynchronising")
        let pcbs = transport.bulkInReplies.dropFirst(before).filter { $0.count >= 13 && $0[0] == 0x80 && $0[7] & 0xC0 == 0 }
            .map { $0[11] }
        #expect(pcbs.first == 0xE0, "the first block after the refusal is S(RESYNCH response)")
    }

    /// The link drops while a command waits: the transmit fails with a communication error
    /// (SCARD_E_NOT_TRANSACTED, not SCARD_E_READER_UNAVAILABLE, on which OpenSC reconnects
    /// inside its transaction and pcscd waits forever), and presence reports the reader gone.
    @Test func linkLossDuringACommandIsACommunicationErrorAndTheReaderIsGone() throws {
        let fixture = TokenFixture()
        let (reader, transport) = try Self.reader(fixture)
        try Self.prepare(reader, fixture, transport)
        transport.onIdle = { [unowned transport] in    // the transport owns the closure: no cycle
            fixture.advance(100)
            if fixture.clock.milliseconds >= 2_000 { transport.close() }
        }
        do {
            _ = try reader.transmit(Self.confirmTransfer)
            Issue.record("a transmit over a closed link succeeded")
        } catch {
            guard case .communication = error else {
                Issue.record("expected a communication error, got \(error)")
                return
            }
            #expect(IFDResponse.code(for: error) == 612)
        }
        #expect(throws: DriverError.noSuchDevice("closed")) { try reader.isCardPresent() }
    }

    @Test func removalDuringACommandEndsItWithICCNotPresent() throws {
        let fixture = TokenFixture()
        let (reader, transport) = try Self.reader(fixture)
        try Self.prepare(reader, fixture, transport)
        transport.onIdle = {
            fixture.advance(100)
            if fixture.clock.milliseconds >= 2_000 { fixture.locked { if $0.isCardPresent { $0.removeCard() } } }
        }
        #expect(throws: DriverError.iccNotPresent) { try reader.transmit(Self.confirmTransfer) }
        #expect(IFDResponse.code(for: .iccNotPresent) == 616)
        #expect(try reader.isCardPresent() == false)
    }

    /// The card resets during a command (the emulator's `--reset` fault: ICC_MUTE, card present
    /// but inactive): what stock libccid reports for it — the transmit fails with
    /// IFD_COMMUNICATION_ERROR (pcscd: SCARD_E_NOT_TRANSACTED, not SCARD_E_NO_SMARTCARD), the
    /// next IFDHICCPresence says absent once (pcscd: a removal and an insertion), then present,
    /// and the card powers up again with its ATR.
    @Test func cardResetDuringACommandIsACommunicationErrorThenRemovalAndInsertion() throws {
        let fixture = TokenFixture()
        let (reader, _) = try Self.reader(fixture)
        let atr = try reader.powerUp()
        try reader.setProtocol(1)
        #expect(try reader.transmit(Self.select).suffix(2) == [0x90, 0x00])
        fixture.locked { $0.commandHook = { $0.ins == 0xCA ? .reset : nil } }
        do {
            _ = try reader.transmit(Self.getData)
            Issue.record("a transmit to a card that reset succeeded")
        } catch {
            #expect(error == .slotError(.ICC_MUTE))
            #expect(IFDResponse.code(for: error) == 612)     // IFD_COMMUNICATION_ERROR
        }
        fixture.locked { $0.commandHook = nil }
        #expect(try reader.isCardPresent() == false, "absent once: pcscd sees the card go")
        #expect(try reader.isCardPresent() == true, "then present again")
        #expect(try reader.powerUp() == atr)
        try reader.setProtocol(1)
        #expect(try reader.transmit(Self.select).suffix(2) == [0x90, 0x00])
    }

    @Test func tpduLevelT1ChainsBothWaysAndGrantsWTX() throws {
        let fixture = TokenFixture(exchange: .tpdu)
        let (reader, transport) = try Self.reader(fixture)
        #expect(reader.exchangeLevel == .tpdu)
        try Self.prepare(reader, fixture, transport)
        // READ PUBLIC KEY: ~140 bytes in one block once IFSD is 254.
        let key = try reader.transmit(Self.apdu(0x00, 0x47, 0x81, 0x01, [], le: true))
        #expect(key.suffix(2) == [0x90, 0x00])
        #expect(key.count > 130)
        // GET CHALLENGE for 256 bytes: 258 response bytes, longer than IFSD 254.
        let challenge = try reader.transmit([0x00, 0x84, 0x00, 0x00, 0x00])
        #expect(challenge.count == 258)
        #expect(challenge.suffix(2) == [0x90, 0x00])
        transport.onIdle = {
            fixture.advance(100)
            if fixture.clock.milliseconds >= 5_000 { fixture.confirm() }
        }
        let signed = try reader.transmit(Self.confirmTransfer)
        #expect(signed.suffix(2) == [0x90, 0x00])
        // The card's blocks as they came back in DataBlocks (PCB at abData[1]).
        let pcbs = transport.bulkInReplies.filter { $0.count >= 13 && $0[0] == 0x80 && $0[7] & 0xC0 == 0 }.map { $0[11] }
        #expect(pcbs.contains { $0 & 0x80 == 0 && $0 & 0x20 != 0 }, "a response chained over I-blocks with M = 1")
        #expect(pcbs.contains(0xC3), "the card asked for S(WTX) while waiting for OK")
        #expect(pcbs.contains(0xE1), "the card answered S(IFS request) for IFSD 254")
        #expect(pcbs.contains { $0 & 0xEF == 0x80 }, "the card acknowledged parts of a chained command (IFSC 32)")
    }
}
