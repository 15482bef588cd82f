import Testing
@testable import CCID

/// PC_to_RDR messages: spec vectors, round trips, truncation and bad input.
struct CCIDCommandTests {
    static let t1 = CCIDProtocolDataT1(bmFindexDindex: 0x13, bmTCCKST1: 0x11, bGuardTimeT1: 0x02,
                                       bmWaitingIntegersT1: 0x45, bClockStop: 0x03, bIFSC: 0xFE, bNadValue: 0x00)
    static let t0 = CCIDProtocolDataT0(bmFindexDindex: 0x96, bmTCCKST0: 0x02, bGuardTimeT0: 0xFF,
                                       bWaitingIntegerT0: 0x0A, bClockStop: 0x01)

    /// One of every PC_to_RDR message, with non-default field values so that a field dropped
    /// or swapped by the encoder or parser shows.
    static let every: [CCIDCommand] = [
        CCIDCommand(bSlot: 0, bSeq: 1, .iccPowerOn(bPowerSelect: .automatic)),
        CCIDCommand(bSlot: 1, bSeq: 2, .iccPowerOn(bPowerSelect: .volts1_8)),
        CCIDCommand(bSlot: 0, bSeq: 3, .iccPowerOff),
        CCIDCommand(bSlot: 0, bSeq: 4, .getSlotStatus),
        CCIDCommand(bSlot: 0, bSeq: 5, .xfrBlock(bBWI: 0, wLevelParameter: 0, abData: hex("00A4040006F0554B455901"))),
        CCIDCommand(bSlot: 2, bSeq: 6, .xfrBlock(bBWI: 3, wLevelParameter: 0x0201, abData: [])),
        CCIDCommand(bSlot: 0, bSeq: 7, .getParameters),
        CCIDCommand(bSlot: 0, bSeq: 8, .resetParameters),
        CCIDCommand(bSlot: 0, bSeq: 9, .setParameters(.t0(t0))),
        CCIDCommand(bSlot: 0, bSeq: 10, .setParameters(.t1(t1))),
        CCIDCommand(bSlot: 0, bSeq: 11, .escape(abData: [0x01, 0x02, 0x03])),
        CCIDCommand(bSlot: 0, bSeq: 12, .iccClock(bClockCommand: .stop)),
        CCIDCommand(bSlot: 0, bSeq: 13, .t0APDU(bmChanges: 0x03, bClassGetResponse: 0x00, bClassEnvelope: 0x80)),
        CCIDCommand(bSlot: 0, bSeq: 14, .secure(bBWI: 1, wLevelParameter: 0, abData: hex("00 1E 1E 89 47 04 0C 08 02 01 09 04 00 00 00 00 0D 00 00 00 00 20 00 01 08 20 FF FF FF FF FF FF FF"))),
        CCIDCommand(bSlot: 0, bSeq: 15, .mechanical(bFunction: .ejectCard)),
        CCIDCommand(bSlot: 0, bSeq: 16, .abort),
        CCIDCommand(bSlot: 0, bSeq: 255, .setDataRateAndClockFrequency(dwClockFrequency: 4000, dwDataRate: 10752)),
    ]

    @Test("parse(serialize(x)) == x for every PC_to_RDR message", arguments: every)
    func roundTrip(_ command: CCIDCommand) throws {
        let bytes = command.bytes
        #expect(try CCIDCommand(parsing: bytes) == command)
        #expect(bytes.count == CCIDHeader.count + Int(command.header.dwLength))
        #expect(bytes[0] == command.message.messageType.rawValue)
    }

    @Test("spec vectors encode byte for byte", arguments: [
        // libccid's power-on: slot 0, bSeq 1, automatic voltage.
        (CCIDCommand(bSlot: 0, bSeq: 1, .iccPowerOn(bPowerSelect: .automatic)), "62 00000000 00 01 00 00 00"),
        (CCIDCommand(bSlot: 0, bSeq: 2, .iccPowerOn(bPowerSelect: .volts5_0)), "62 00000000 00 02 01 00 00"),
        (CCIDCommand(bSlot: 0, bSeq: 9, .getSlotStatus), "65 00000000 00 09 00 00 00"),
        (CCIDCommand(bSlot: 0, bSeq: 3, .xfrBlock(bBWI: 0, wLevelParameter: 0x1234, abData: hex("0084000008"))),
         "6F 05000000 00 03 00 34 12 0084000008"),
        (CCIDCommand(bSlot: 0, bSeq: 4, .setParameters(.t1(CCIDProtocolDataT1()))),
         "61 07000000 00 04 01 00 00 11 10 00 4D 00 20 00"),
        (CCIDCommand(bSlot: 0, bSeq: 5, .setDataRateAndClockFrequency(dwClockFrequency: 0x0FA0, dwDataRate: 0x2A00)),
         "73 08000000 00 05 00 00 00 A00F0000 002A0000"),
        (CCIDCommand(bSlot: 0, bSeq: 6, .abort), "72 00000000 00 06 00 00 00"),
    ])
    func vectors(_ command: CCIDCommand, _ text: String) throws {
        #expect(command.bytes == hex(text))
        #expect(try CCIDCommand(parsing: hex(text)) == command)
    }

    @Test("every truncated prefix is rejected with the right error", arguments: every)
    func truncatedPrefixes(_ command: CCIDCommand) {
        let bytes = command.bytes
        for length in 0..<bytes.count {
            let prefix = Array(bytes.prefix(length))
            if length < CCIDHeader.count {
                #expect(throws: CCIDError.headerTooShort(count: length)) { try CCIDCommand(parsing: prefix) }
            } else {
                #expect(throws: CCIDError.truncated(command.header, available: length)) {
                    try CCIDCommand(parsing: prefix)
                }
            }
        }
    }

    @Test("a byte past dwLength is rejected", arguments: every)
    func trailingByte(_ command: CCIDCommand) {
        let bytes = command.bytes + [0x00]
        #expect(throws: CCIDError.trailingBytes(command.header, available: bytes.count)) {
            try CCIDCommand(parsing: bytes)
        }
    }

    @Test("bad commands map to the spec's bError", arguments: [
        ("62 01000000 00 01 00 00 00 AA", CCIDSlotError.badParameter(offset: 1)),  // IccPowerOn with data
        ("62 00000000 00 01 04 00 00", .badParameter(offset: 7)),                   // bPowerSelect 4
        ("61 05000000 00 01 02 00 00 1110004D00", .badParameter(offset: 7)),       // bProtocolNum 2
        ("61 05000000 00 01 01 00 00 1110004D00", .badParameter(offset: 1)),       // T=1 needs 7 bytes
        ("61 07000000 00 01 00 00 00 1110004D002000", .badParameter(offset: 1)),   // T=0 needs 5 bytes
        ("6E 00000000 00 01 02 00 00", .badParameter(offset: 7)),                   // bClockCommand 2
        ("71 00000000 00 01 00 00 00", .badParameter(offset: 7)),                   // bFunction 0
        ("71 00000000 00 01 06 00 00", .badParameter(offset: 7)),                   // bFunction 6
        ("73 04000000 00 01 00 00 00 A00F0000", .badParameter(offset: 1)),         // needs 8 bytes
        ("6A 01000000 00 01 00 00 00 00", .badParameter(offset: 1)),               // T0APDU with data
        ("99 00000000 00 07 00 00 00", .commandNotSupported),                      // unknown type
        ("80 00000000 00 07 00 00 00", .commandNotSupported),                      // RDR_to_PC type
        ("50 00000000 00 07 00 00 00", .commandNotSupported),                      // interrupt type
        ("6F 05000000 00 01 00 00 00 0102", .badParameter(offset: 1)),             // truncated
        ("65 00000000 00 01 00 00 00 FF", .badParameter(offset: 1)),               // trailing byte
        ("6F FFFFFFFF 00 01 00 00 00", .badParameter(offset: 1)),                  // huge dwLength
    ])
    func badCommands(_ text: String, _ expected: CCIDSlotError) {
        let bytes = hex(text)
        do throws(CCIDError) {
            _ = try CCIDCommand(parsing: bytes)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.slotError == expected)
            #expect(error.header == (try? CCIDHeader(parsing: bytes)))
        }
    }

    @Test("an unknown bMessageType carries the header the device needs to answer")
    func unknownTypeCarriesHeader() {
        let bytes = hex("99 00000000 03 07 00 00 00")
        let header = CCIDHeader(bMessageType: 0x99, dwLength: 0, bSlot: 3, bSeq: 7)
        #expect(throws: CCIDError.unknownMessageType(header)) { try CCIDCommand(parsing: bytes) }
    }

    @Test("dwMaxCCIDMessageLength is enforced, even before the data has arrived")
    func maximumMessageLength() throws {
        let command = CCIDCommand(bSeq: 1, .xfrBlock(bBWI: 0, wLevelParameter: 0, abData: [UInt8](repeating: 0xAB, count: 262)))
        let bytes = command.bytes
        #expect(try CCIDCommand(parsing: bytes, maxMessageLength: 272) == command)
        #expect(throws: CCIDError.messageTooLong(command.header, maximum: 271)) {
            try CCIDCommand(parsing: bytes, maxMessageLength: 271)
        }
        #expect(throws: CCIDError.messageTooLong(command.header, maximum: 271)) {
            try CCIDCommand(parsing: bytes.prefix(12), maxMessageLength: 271)
        }
        let huge = hex("6F FFFFFFFF 00 01 00 00 00")
        #expect(throws: CCIDError.messageTooLong(try CCIDHeader(parsing: huge), maximum: CCIDLimits.maxMessageLength)) {
            try CCIDCommand(parsing: huge)
        }
    }

    @Test("reserved bytes are ignored, not echoed: the parse is canonical")
    func rfuIgnored() throws {
        let parsed = try CCIDCommand(parsing: hex("63 00000000 00 01 AA BB CC"))
        #expect(parsed == CCIDCommand(bSeq: 1, .iccPowerOff))
        #expect(parsed.bytes == hex("63 00000000 00 01 00 00 00"))
    }
}
