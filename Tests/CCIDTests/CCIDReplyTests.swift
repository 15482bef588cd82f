import Testing
@testable import CCID

/// RDR_to_PC bulk messages: bStatus / bError decoding, round trips, failure replies.
struct CCIDReplyTests {
    static let atr = hex("3B 8B 80 01 80 F9 A0 00 00 03 08 00 00 10 00 C8")

    static let every: [CCIDReply] = [
        CCIDReply(bSeq: 1, bStatus: CCIDSlotStatus(.presentActive), .dataBlock(bChainParameter: .beginsAndEnds, abData: atr)),
        CCIDReply(bSlot: 1, bSeq: 2, bStatus: CCIDSlotStatus(.presentActive), .dataBlock(bChainParameter: .begins, abData: [0x90, 0x00])),
        CCIDReply(bSeq: 3, bStatus: CCIDSlotStatus(.presentActive, .timeExtension), bError: CCIDSlotError(0x01),
                  .dataBlock(bChainParameter: .beginsAndEnds, abData: [])),
        CCIDReply(bSeq: 4, bStatus: CCIDSlotStatus(.absent, .failed), bError: .ICC_MUTE,
                  .dataBlock(bChainParameter: .continueNext, abData: [])),
        CCIDReply(bSeq: 5, bStatus: CCIDSlotStatus(.presentInactive), .slotStatus(bClockStatus: .running)),
        CCIDReply(bSeq: 6, bStatus: CCIDSlotStatus(.absent), .slotStatus(bClockStatus: .stoppedHigh)),
        CCIDReply(bSeq: 7, bStatus: CCIDSlotStatus(.presentActive), .parameters(.t1(CCIDProtocolDataT1()))),
        CCIDReply(bSeq: 8, bStatus: CCIDSlotStatus(.presentActive), .parameters(.t0(CCIDProtocolDataT0()))),
        CCIDReply(bSeq: 9, bStatus: CCIDSlotStatus(.absent, .failed), bError: .badParameter(offset: 7), .parameters(nil)),
        CCIDReply(bSeq: 10, bStatus: CCIDSlotStatus(.presentActive), .escape(abData: [0xDE, 0xAD])),
        CCIDReply(bSeq: 11, bStatus: CCIDSlotStatus(.presentActive),
                  .dataRateAndClockFrequency(dwClockFrequency: 4000, dwDataRate: 10752)),
    ]

    @Test("parse(serialize(x)) == x for every RDR_to_PC bulk message", arguments: every)
    func roundTrip(_ reply: CCIDReply) throws {
        #expect(try CCIDReply(parsing: reply.bytes) == reply)
    }

    @Test("every truncated prefix is rejected with the right error", arguments: every)
    func truncatedPrefixes(_ reply: CCIDReply) {
        let bytes = reply.bytes
        for length in 0..<bytes.count {
            let expected: CCIDError = length < CCIDHeader.count
                ? .headerTooShort(count: length) : .truncated(reply.header, available: length)
            #expect(throws: expected) { try CCIDReply(parsing: bytes.prefix(length)) }
        }
    }

    @Test("spec vectors", arguments: [
        // The ATR after IccPowerOn, card active.
        ("80 10000000 00 01 00 00 00 3B8B800180F9A00000030800001000C8",
         CCIDReply(bSeq: 1, bStatus: CCIDSlotStatus(.presentActive), .dataBlock(bChainParameter: .beginsAndEnds, abData: atr))),
        // A time extension while the holder reads the screen: bStatus 80, bError = multiplier.
        ("80 00000000 00 05 80 01 00",
         CCIDReply(bSeq: 5, bStatus: CCIDSlotStatus(.presentActive, .timeExtension), bError: CCIDSlotError(1),
                   .dataBlock(bChainParameter: .beginsAndEnds, abData: []))),
        // The card was removed: slot status 42, ICC_MUTE.
        ("80 00000000 00 06 42 FE 00",
         CCIDReply(bSeq: 6, bStatus: CCIDSlotStatus(.absent, .failed), bError: .ICC_MUTE,
                   .dataBlock(bChainParameter: .beginsAndEnds, abData: []))),
        ("81 00000000 00 07 01 00 01",
         CCIDReply(bSeq: 7, bStatus: CCIDSlotStatus(.presentInactive), .slotStatus(bClockStatus: .stoppedLow))),
        ("82 07000000 00 08 00 00 01 11 10 00 4D 00 20 00",
         CCIDReply(bSeq: 8, bStatus: CCIDSlotStatus(.presentActive), .parameters(.t1(CCIDProtocolDataT1())))),
    ])
    func vectors(_ text: String, _ reply: CCIDReply) throws {
        #expect(reply.bytes == hex(text))
        #expect(try CCIDReply(parsing: hex(text)) == reply)
    }

    @Test("bStatus decodes into bmICCStatus and bmCommandStatus", arguments: [
        (UInt8(0x00), CCIDSlotStatus.ICCStatus.presentActive, CCIDSlotStatus.CommandStatus.processedWithoutError),
        (0x01, .presentInactive, .processedWithoutError),
        (0x02, .absent, .processedWithoutError),
        (0x40, .presentActive, .failed),
        (0x41, .presentInactive, .failed),
        (0x42, .absent, .failed),
        (0x80, .presentActive, .timeExtension),
        (0x82, .absent, .timeExtension),
    ])
    func statusDecoding(_ bStatus: UInt8, _ icc: CCIDSlotStatus.ICCStatus, _ command: CCIDSlotStatus.CommandStatus) throws {
        let status = try #require(CCIDSlotStatus(bStatus: bStatus))
        #expect(status.bmICCStatus == icc)
        #expect(status.bmCommandStatus == command)
        #expect(status.bStatus == bStatus)
    }

    @Test("reserved bStatus values are rejected", arguments: [UInt8(0x03), 0x43, 0xC0, 0xC2, 0x83])
    func reservedStatus(_ bStatus: UInt8) {
        #expect(CCIDSlotStatus(bStatus: bStatus) == nil)
        let bytes: [UInt8] = [0x81, 0, 0, 0, 0, 0, 1, bStatus, 0, 0]
        #expect(throws: CCIDError.invalidStatus(try! CCIDHeader(parsing: bytes), bStatus: bStatus)) {
            try CCIDReply(parsing: bytes)
        }
    }

    @Test("bad replies", arguments: [
        ("81 00000000 00 01 00 00 04", CCIDSlotError.badParameter(offset: 9)),     // bClockStatus 4
        ("81 01000000 00 01 00 00 00 00", .badParameter(offset: 1)),              // SlotStatus with data
        ("80 00000000 00 01 00 00 04", .badParameter(offset: 9)),                 // bChainParameter 4
        ("82 05000000 00 01 00 00 02 1110000A00", .badParameter(offset: 9)),      // bProtocolNum 2
        ("82 06000000 00 01 00 00 00 1110000A0000", .badParameter(offset: 1)),    // T=0 is 5 bytes
        ("84 04000000 00 01 00 00 00 A00F0000", .badParameter(offset: 1)),        // needs 8 bytes
        ("62 00000000 00 01 00 00 00", .commandNotSupported),                     // a PC_to_RDR type
        ("51 00000000 00 01 00 00 00", .commandNotSupported),                     // an interrupt type
        ("80 02000000 00 01 00 00 00 90", .badParameter(offset: 1)),              // truncated
    ])
    func badReplies(_ text: String, _ expected: CCIDSlotError) {
        do throws(CCIDError) {
            _ = try CCIDReply(parsing: hex(text))
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.slotError == expected)
        }
    }

    @Test("a failed command is answered with the response type the spec gives it", arguments: [
        (UInt8(0x62), "80 00000000 02 09 42 FE 00"),           // IccPowerOn → DataBlock
        (0x6F, "80 00000000 02 09 42 FE 00"),                   // XfrBlock → DataBlock
        (0x65, "81 00000000 02 09 42 FE 00"),                   // GetSlotStatus → SlotStatus
        (0x61, "82 00000000 02 09 42 FE 00"),                   // SetParameters → Parameters
        (0x6B, "83 00000000 02 09 42 FE 00"),                   // Escape → Escape
        (0x73, "84 08000000 02 09 42 FE 00 0000000000000000"),  // SetDataRate… → DataRate…
        (0x99, "81 00000000 02 09 42 FE 00"),                   // unknown → SlotStatus
    ])
    func failureReplies(_ type: UInt8, _ text: String) {
        let header = CCIDHeader(bMessageType: type, dwLength: 0, bSlot: 2, bSeq: 9)
        #expect(CCIDReply.failure(answering: header, error: .ICC_MUTE, iccStatus: .absent).bytes == hex(text))
    }

    @Test("an unknown command gets slot status, bmCommandStatus 1, bError 00")
    func unknownCommandReply() throws {
        let bytes = hex("99 00000000 00 07 00 00 00")
        do throws(CCIDError) {
            _ = try CCIDCommand(parsing: bytes)
            Issue.record("accepted an unknown bMessageType")
        } catch {
            let header = try #require(error.header)
            let slotError = try #require(error.slotError)
            let reply = CCIDReply.failure(answering: header, error: slotError, iccStatus: .presentActive)
            #expect(reply.bytes == hex("81 00000000 00 07 40 00 00"))
        }
    }

    @Test("a time extension keeps bSlot and bSeq and carries the multiplier")
    func timeExtension() {
        let header = CCIDHeader(bMessageType: 0x6F, dwLength: 5, bSlot: 0, bSeq: 0x2A)
        #expect(CCIDReply.timeExtension(answering: header, multiplier: 2).bytes == hex("80 00000000 00 2A 80 02 00"))
    }

    @Test("error codes have the spec's values and names", arguments: [
        (CCIDSlotError.CMD_ABORTED, UInt8(0xFF), "CMD_ABORTED"),
        (.ICC_MUTE, 0xFE, "ICC_MUTE"),
        (.XFR_PARITY_ERROR, 0xFD, "XFR_PARITY_ERROR"),
        (.XFR_OVERRUN, 0xFC, "XFR_OVERRUN"),
        (.HW_ERROR, 0xFB, "HW_ERROR"),
        (.BAD_ATR_TS, 0xF8, "BAD_ATR_TS"),
        (.BAD_ATR_TCK, 0xF7, "BAD_ATR_TCK"),
        (.ICC_PROTOCOL_NOT_SUPPORTED, 0xF6, "ICC_PROTOCOL_NOT_SUPPORTED"),
        (.ICC_CLASS_NOT_SUPPORTED, 0xF5, "ICC_CLASS_NOT_SUPPORTED"),
        (.PROCEDURE_BYTE_CONFLICT, 0xF4, "PROCEDURE_BYTE_CONFLICT"),
        (.DEACTIVATED_PROTOCOL, 0xF3, "DEACTIVATED_PROTOCOL"),
        (.BUSY_WITH_AUTO_SEQUENCE, 0xF2, "BUSY_WITH_AUTO_SEQUENCE"),
        (.PIN_TIMEOUT, 0xF0, "PIN_TIMEOUT"),
        (.PIN_CANCELLED, 0xEF, "PIN_CANCELLED"),
        (.CMD_SLOT_BUSY, 0xE0, "CMD_SLOT_BUSY"),
        (.commandNotSupported, 0x00, "command not supported"),
        (.badParameter(offset: 7), 0x07, "bad parameter at offset 7"),
    ])
    func errorCodes(_ error: CCIDSlotError, _ raw: UInt8, _ name: String) {
        #expect(error.rawValue == raw)
        #expect(CCIDSlotError(rawValue: raw) == error)
        #expect(error.name == name)
    }
}
