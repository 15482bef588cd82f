import CCID
import ISO7816
import TokenDevice
import Testing

@Suite("Malformed bulk OUT messages")
struct MalformedTests {
    /// A raw message: header fields and abData as given, dwLength as given.
    static func raw(_ type: UInt8, dwLength: UInt32, bSlot: UInt8 = 0, bSeq: UInt8, _ b7: UInt8 = 0,
                    _ abData: [UInt8] = []) -> [UInt8] {
        CCIDHeader(bMessageType: type, dwLength: dwLength, bSlot: bSlot, bSeq: bSeq, byte7: b7).bytes + abData
    }

    @Test("bad messages get the spec's failure reply and the device keeps working", arguments: [
        // GetSlotStatus with 3 data bytes: dwLength (offset 1) is wrong.
        (raw(0x65, dwLength: 3, bSeq: 0x41, 0, [1, 2, 3]), UInt8(0x81), UInt8(1)),
        // IccPowerOn with an unknown bPowerSelect (offset 7).
        (raw(0x62, dwLength: 0, bSeq: 0x42, 0x07), 0x80, 7),
        // SetParameters T=1 with 5 of its 7 bytes: truncated structure, dwLength wrong.
        (raw(0x61, dwLength: 5, bSeq: 0x43, 1, [0x11, 0x10, 0, 0x4D, 0]), 0x82, 1),
        // SetParameters with bProtocolNum 2 (offset 7).
        (raw(0x61, dwLength: 5, bSeq: 0x44, 2, [0x11, 0x10, 0, 0x4D, 0]), 0x82, 7),
        // SetDataRateAndClockFrequency with 4 bytes instead of 8.
        (raw(0x73, dwLength: 4, bSeq: 0x45, 0, [0, 0, 0, 0]), 0x84, 1),
        // Unknown bMessageType: SlotStatus, bError 00 "command not supported".
        (raw(0x99, dwLength: 0, bSeq: 0x46), 0x81, 0),
        // An RDR_to_PC type sent to the device is unknown as a command.
        (raw(0x80, dwLength: 0, bSeq: 0x47), 0x81, 0),
        // IccClock with an undefined bClockCommand.
        (raw(0x6E, dwLength: 0, bSeq: 0x48, 5), 0x81, 7),
        // A wrong bSlot on a malformed message: bError 5.
        (raw(0x65, dwLength: 1, bSlot: 3, bSeq: 0x49, 0, [0]), 0x81, 5),
    ])
    func badMessage(bytes: [UInt8], replyType: UInt8, bError: UInt8) throws {
        let h = DeviceHarness()
        h.device.bulkOut(bytes)
        let replies = h.replies()
        #expect(replies.count == 1)
        let reply = try #require(replies.first)
        #expect(reply.bSeq == bytes[6])
        #expect(reply.bSlot == bytes[5])
        #expect(reply.message.messageType.rawValue == replyType)
        #expect(reply.bStatus.bmCommandStatus == .failed)
        #expect(reply.bError.rawValue == bError)
        h.powerOn()
        #expect(h.transmit(DeviceHarness.select).statusWord == .success, "the device keeps working")
    }

    @Test("a message split at every byte boundary is answered once, whole")
    func splitMessages() {
        let h = DeviceHarness()
        h.powerOn()
        let message = CCIDCommand(bSeq: 0x77, .xfrBlock(bBWI: 0, wLevelParameter: 0, abData: DeviceHarness.select)).bytes
        for cut in 1..<message.count {
            h.device.bulkOut(Array(message[..<cut]))
            #expect(h.device.takeBulkIn(maxLength: 64) == nil, "no reply before the message is whole")
            h.device.bulkOut(Array(message[cut...]))
            let replies = h.replies()
            #expect(replies.count == 1 && replies.first?.bSeq == 0x77)
        }
    }

    @Test("two messages in one transfer get two replies, in order")
    func twoInOne() {
        let h = DeviceHarness()
        h.device.bulkOut(CCIDCommand(bSeq: 1, .getSlotStatus).bytes + CCIDCommand(bSeq: 2, .getParameters).bytes)
        #expect(h.replies().map(\.bSeq) == [1, 2])
    }

    @Test("a reply longer than the IN buffer continues in the next transfer")
    func longReplyInPieces() throws {
        let h = DeviceHarness()
        h.powerOn()
        h.send(.xfrBlock(bBWI: 0, wLevelParameter: 0, abData: DeviceHarness.select))
        var pieces: [[UInt8]] = []
        while let piece = h.device.takeBulkIn(maxLength: 8) { pieces.append(piece) }
        #expect(pieces.count > 2)
        #expect(pieces.dropLast().allSatisfy { $0.count == 8 })
        let reply = try CCIDReply(parsing: pieces.flatMap { $0 })
        #expect(try ResponseAPDU(parsing: reply.abData).statusWord == .success)
    }

    @Test("dwLength beyond dwMaxCCIDMessageLength: failure for offset 1, the rest of the message is skipped")
    func tooLong() throws {
        let h = DeviceHarness()
        h.powerOn()
        let abData = [UInt8](repeating: 0x00, count: 9000)
        let message = CCIDCommand(bSeq: 0x50, .xfrBlock(bBWI: 0, wLevelParameter: 0, abData: abData)).bytes
        var at = 0
        while at < message.count {
            h.device.bulkOut(Array(message[at..<min(at + 64, message.count)]))
            at += 64
        }
        let replies = h.replies()
        #expect(replies.count == 1)
        #expect(replies.first?.bSeq == 0x50)
        #expect(replies.first?.bError == .badParameter(offset: 1))
        #expect(h.transmit(DeviceHarness.select).statusWord == .success, "framing recovered")
    }

    @Test("a truncated message waits; CLEAR_FEATURE ENDPOINT_HALT on bulk OUT drops it and resynchronises")
    func truncatedThenClearHalt() {
        let h = DeviceHarness()
        h.configure()
        h.powerOn()
        h.device.bulkOut(Array(CCIDCommand(bSeq: 0x60, .xfrBlock(bBWI: 0, wLevelParameter: 0,
                                                                    abData: DeviceHarness.select)).bytes.prefix(14)))
        #expect(h.device.takeBulkIn(maxLength: 64) == nil)
        #expect(h.control(0x02, 0x01, wValue: 0, wIndex: 0x01) == .ok)
        #expect(h.transmit(DeviceHarness.select).statusWord == .success)
    }

    @Test("garbage shorter than a header is held, never answered, never a crash")
    func shortGarbage() {
        let h = DeviceHarness()
        h.device.bulkOut([0xFF, 0x00, 0x01])
        #expect(h.device.takeBulkIn(maxLength: 64) == nil)
        h.device.bulkOut([])
        #expect(h.device.takeBulkIn(maxLength: 64) == nil)
    }
}
