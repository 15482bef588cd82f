import CCID
import CIFDHandler
import Foundation
import ISO7816
import Synchronization
import Testing
import TokenDevice
@testable import UKeyDriver

/// FEATURE_VERIFY_PIN_DIRECT / FEATURE_MODIFY_PIN_DIRECT through the driver to the token's
/// keypad (PC_to_RDR_Secure), at APDU and TPDU level, with the holder typing in `onIdle`.
@Suite(.serialized) struct SecurePINDriverTests {
    /// Part 10's PIN_VERIFY_STRUCTURE for the banking VERIFY: ASCII, block 0, 6–16 digits, OK key.
    static func part10Verify(timeOut: UInt8 = 0, apdu: [UInt8] = [0x00, 0x20, 0x00, 0x81]) -> [UInt8] {
        [timeOut, 0x00, 0x82, 0x00, 0x00, 0x10, 0x06, 0x02, 0x01, 0x09, 0x04, 0x00, 0x00, 0x00, 0x00]
            + le32(UInt32(apdu.count)) + apdu
    }

    /// Part 10's PIN_MODIFY_STRUCTURE for PIV CHANGE REFERENCE DATA: 8-byte FF-padded ASCII
    /// blocks at 0 and 8, current PIN then the new one twice, three messages.
    static var part10PIVChange: [UInt8] {
        let apdu: [UInt8] = [0x00, 0x24, 0x00, 0x80, 0x10] + [UInt8](repeating: 0xFF, count: 16)
        return [0x00, 0x00, 0x82, 0x08, 0x00, 0x00, 0x08, 0x08, 0x06, 0x03, 0x02, 0x03, 0x09, 0x04, 0x00, 0x01, 0x02,
                0x00, 0x00, 0x00] + le32(UInt32(apdu.count)) + apdu
    }

    static let pivSelect: [UInt8] = [0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00]

    /// Types `digits` (then OK) the first time the host waits; `cancel` presses Cancel instead.
    static func holder(_ fixture: TokenFixture, types entries: [String], cancel: Bool = false) -> @Sendable () -> Void {
        let typed = Mutex(0)
        return {
            fixture.locked { device in
                guard device.isWaitingForPIN else { return }
                if cancel { return device.press(key: .cancel) }
                let index = typed.withLock { value -> Int in defer { value += 1 }; return value }
                guard index < entries.count else { return }
                for c in entries[index].utf8 { device.press(key: .digit(c - 0x30)) }
                device.press(key: .ok)
            }
        }
    }

    static func ready(_ exchange: ExchangeLevel = .extendedAPDU, select: [UInt8] = TokenDeviceHostTests.select)
        throws -> (TokenFixture, Reader, LoopbackTransport) {
        let fixture = TokenFixture(exchange: exchange)
        let (reader, transport) = try TokenDeviceHostTests.reader(fixture)
        _ = try reader.powerUp()
        try reader.setProtocol(1)
        #expect(try reader.transmit(select).suffix(2) == [0x90, 0x00])
        return (fixture, reader, transport)
    }

    @Test func featuresAsLibccidListsThem() throws {
        let (_, reader, _) = try Self.ready()
        #expect(try Part10Features.control(reader, code: Part10Features.getFeatureRequest, input: [])
                == [0x06, 4, 0x42, 0x33, 0x00, 0x06, 0x07, 4, 0x42, 0x33, 0x00, 0x07,
                    0x0A, 4, 0x42, 0x33, 0x00, 0x0A, 0x12, 4, 0x42, 0x33, 0x00, 0x12])
        #expect(try Part10Features.control(reader, code: Part10Features.ifdPINProperties, input: []) == [0x10, 0x04, 0x07, 0x00],
                "wLcdLayout, bEntryValidationCondition 07, bTimeOut2 00")
        let properties = IFDHEntryPointTests.parseTLV(try Part10Features.control(reader, code: Part10Features.getTLVProperties, input: []))
        #expect(properties[2] == [0x07], "bEntryValidationCondition")
        #expect(properties[3] == [0x00], "bTimeOut2")
        #expect(properties[6] == [6] && properties[7] == [16], "bMinPINSize, bMaxPINSize")
        #expect(properties[9] == [0x00], "bPPDUSupport: none")
    }

    @Test func verifyDirectTypedOnTheToken() throws {
        let (fixture, reader, transport) = try Self.ready()
        transport.onIdle = Self.holder(fixture, types: ["123456"])
        #expect(try Part10Features.control(reader, code: Part10Features.verifyPINDirect, input: Self.part10Verify()) == [0x90, 0x00])
        let sent = transport.bulkOutMessages.first { $0.first == 0x69 }
        let secure = try #require(sent)
        #expect(Array(secure[10...]) == [0x00, 0x00, 0x82, 0x00, 0x00, 0x10, 0x06, 0x02, 0x01, 0x09, 0x04, 0x00, 0x00, 0x00, 0x00,
                                         0x00, 0x20, 0x00, 0x81], "bTimeOut2 and ulDataLength are not sent")
        transport.onIdle = Self.holder(fixture, types: ["999999"])
        #expect(try Part10Features.control(reader, code: Part10Features.verifyPINDirect, input: Self.part10Verify()) == [0x63, 0xC2])
    }

    @Test func cancelAndTimeOutAre6401And6400() throws {
        let (fixture, reader, transport) = try Self.ready()
        transport.onIdle = Self.holder(fixture, types: [], cancel: true)
        #expect(try Part10Features.control(reader, code: Part10Features.verifyPINDirect, input: Self.part10Verify()) == [0x64, 0x01])
        transport.onIdle = { fixture.advance(100) }
        #expect(try Part10Features.control(reader, code: Part10Features.verifyPINDirect, input: Self.part10Verify(timeOut: 2)) == [0x64, 0x00])
        #expect(IFDResponse.code(for: .slotError(.PIN_TIMEOUT)) == RESPONSECODE(IFD_COMMUNICATION_ERROR),
                "a PIN_TIMEOUT outside a PIN entry is no response time-out")
        transport.onIdle = nil
        #expect(try reader.transmit(TokenDeviceHostTests.getData).suffix(2) == [0x90, 0x00], "the reader still works")
    }

    @Test func modifyDirectPIVChangeAndMismatch() throws {
        let (fixture, reader, transport) = try Self.ready(select: Self.pivSelect)
        transport.onIdle = Self.holder(fixture, types: ["123456", "7654321", "7654320"])
        #expect(try Part10Features.control(reader, code: Part10Features.modifyPINDirect, input: Self.part10PIVChange) == [0x64, 0x02],
                "the confirmation differs")
        transport.onIdle = Self.holder(fixture, types: ["123456", "7654321", "7654321"])
        #expect(try Part10Features.control(reader, code: Part10Features.modifyPINDirect, input: Self.part10PIVChange) == [0x90, 0x00])
        transport.onIdle = nil
        let verify = TokenDeviceHostTests.apdu(0x00, 0x20, 0x00, 0x80, Array("7654321".utf8) + [0xFF])
        #expect(try reader.transmit(verify) == [0x90, 0x00], "the new PIV PIN")
    }

    @Test func malformedPart10StructuresAreNotSupported() throws {
        let (_, reader, _) = try Self.ready()
        var wrongLength = Self.part10Verify()
        wrongLength[15] = 9
        #expect(throws: DriverError.self) { try Part10Features.control(reader, code: Part10Features.verifyPINDirect, input: wrongLength) }
        #expect(throws: DriverError.self) { try Part10Features.control(reader, code: Part10Features.verifyPINDirect, input: Array(Self.part10Verify().prefix(20))) }
        var messages = Self.part10PIVChange
        messages[11] = 4
        #expect(throws: DriverError.self) { try Part10Features.control(reader, code: Part10Features.modifyPINDirect, input: messages) }
    }

    @Test func tpduLevelKeepsTheT1SequenceInStep() throws {
        let (fixture, reader, transport) = try Self.ready(.tpdu)
        transport.onIdle = Self.holder(fixture, types: ["123456"])
        #expect(try Part10Features.control(reader, code: Part10Features.verifyPINDirect, input: Self.part10Verify()) == [0x90, 0x00])
        transport.onIdle = nil
        #expect(try reader.transmit(TokenDeviceHostTests.getData).suffix(2) == [0x90, 0x00], "N(S)/N(R) advanced with the card's")
        transport.onIdle = Self.holder(fixture, types: [], cancel: true)
        #expect(try Part10Features.control(reader, code: Part10Features.verifyPINDirect, input: Self.part10Verify()) == [0x64, 0x01])
        transport.onIdle = nil
        #expect(try reader.transmit(TokenDeviceHostTests.getData).suffix(2) == [0x90, 0x00], "no I-block on Cancel: nothing advanced")
        // SELECT went with N(S) 0; the verify's prologue has N(S) 1 (then 0); GET DATA N(S) 0 (then 1);
        // the Cancel's prologue N(S) 1 again.
        let prologues = transport.bulkOutMessages.filter { $0.first == 0x69 }.map { Array($0[22..<25]) }
        #expect(prologues == [[0x00, 0x40, 0x04], [0x00, 0x40, 0x04]], "bTeoPrologue: NAD 0, PCB with the host's N(S), LEN of the template")
    }
}

private func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
