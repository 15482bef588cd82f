import Testing
@testable import CCID

/// The streaming reader: chunking, bounds, recovery.
struct CCIDMessageReaderTests {
    static let replies: [CCIDReply] = [
        CCIDReply(bSeq: 1, bStatus: CCIDSlotStatus(.presentActive),
                  .dataBlock(bChainParameter: .beginsAndEnds, abData: CCIDReplyTests.atr)),
        CCIDReply(bSeq: 2, bStatus: CCIDSlotStatus(.presentActive, .timeExtension), bError: CCIDSlotError(1),
                  .dataBlock(bChainParameter: .beginsAndEnds, abData: [])),
        CCIDReply(bSeq: 2, bStatus: CCIDSlotStatus(.presentActive),
                  .dataBlock(bChainParameter: .beginsAndEnds, abData: [UInt8](repeating: 0x5A, count: 130) + [0x90, 0x00])),
        CCIDReply(bSeq: 3, bStatus: CCIDSlotStatus(.absent), .slotStatus(bClockStatus: .running)),
    ]

    static func drainReplies(_ reader: inout CCIDMessageReader) throws(CCIDError) -> [CCIDReply] {
        var out: [CCIDReply] = []
        while let reply = try reader.nextReply() { out.append(reply) }
        return out
    }

    @Test("a stream split at every byte boundary decodes to the same replies")
    func everySplit() throws {
        let stream = Self.replies.flatMap(\.bytes)
        for split in 0...stream.count {
            var reader = CCIDMessageReader()
            try reader.append(stream[..<split])
            var got = try Self.drainReplies(&reader)
            try reader.append(stream[split...])
            got += try Self.drainReplies(&reader)
            #expect(got == Self.replies, "split at \(split)")
            #expect(reader.bufferedByteCount == 0)
        }
    }

    @Test("arrays split at every byte boundary, and one array per message (the driver's transfers, taken without a copy when nothing is held), decode to the same replies")
    func everySplitOfArrays() throws {
        let stream = Self.replies.flatMap(\.bytes)
        for split in 0...stream.count {
            var reader = CCIDMessageReader()
            try reader.append(Array(stream[..<split]))
            var got = try Self.drainReplies(&reader)
            try reader.append(Array(stream[split...]))
            got += try Self.drainReplies(&reader)
            #expect(got == Self.replies, "split at \(split)")
            #expect(reader.bufferedByteCount == 0)
        }
        var reader = CCIDMessageReader()
        for reply in Self.replies {
            try reader.append(reply.bytes)
            #expect(try reader.nextReply() == reply, "a transfer holding exactly one message")
            #expect(try reader.nextReply() == nil && reader.bufferedByteCount == 0)
        }
    }

    @Test("a header is read where it lies in a slice (not from index 0); a short one reports the bytes there")
    func headerInSlice() throws {
        let bytes = [0xEE, 0xEE] + Self.replies[2].bytes
        #expect(try CCIDHeader(parsing: bytes[2...]) == Self.replies[2].header)
        for length in 0..<CCIDHeader.count {
            #expect(throws: CCIDError.headerTooShort(count: length)) { try CCIDHeader(parsing: bytes[2..<(2 + length)]) }
        }
    }

    @Test("fed one byte at a time, each message appears exactly when its last byte arrives")
    func byteByByte() throws {
        var reader = CCIDMessageReader()
        var got: [CCIDReply] = []
        var ends: [Int] = []
        var offset = 0
        for reply in Self.replies { offset += reply.bytes.count; ends.append(offset) }
        for (index, byte) in Self.replies.flatMap(\.bytes).enumerated() {
            try reader.append([byte])
            let new = try Self.drainReplies(&reader)
            #expect(new.count == (ends.contains(index + 1) ? 1 : 0), "after byte \(index)")
            got += new
        }
        #expect(got == Self.replies)
    }

    @Test("64-byte USB packets reassemble commands on the device side")
    func usbPackets() throws {
        let commands = CCIDCommandTests.every
        let stream = commands.flatMap(\.bytes)
        var reader = CCIDMessageReader()
        var got: [CCIDCommand] = []
        var index = 0
        while index < stream.count {
            try reader.append(stream[index..<min(index + 64, stream.count)])
            while let command = try reader.nextCommand() { got.append(command) }
            index += 64
        }
        #expect(got == commands)
    }

    @Test("a bad message is dropped alone and the next one still decodes")
    func badMessageSkipped() throws {
        var reader = CCIDMessageReader()
        try reader.append(hex("99 00000000 00 07 00 00 00") + CCIDCommand(bSeq: 8, .getSlotStatus).bytes)
        #expect(throws: CCIDError.unknownMessageType(CCIDHeader(bMessageType: 0x99, dwLength: 0, bSlot: 0, bSeq: 7))) {
            try reader.nextCommand()
        }
        #expect(try reader.nextCommand() == CCIDCommand(bSeq: 8, .getSlotStatus))
        #expect(try reader.nextCommand() == nil)
    }

    @Test("a dwLength over the maximum is refused as soon as the header is in, and the buffer emptied")
    func tooLongRefusedEarly() throws {
        var reader = CCIDMessageReader(maxMessageLength: 271)
        let header = CCIDHeader(bMessageType: 0x6F, dwLength: 262, bSlot: 0, bSeq: 1)
        try reader.append(header.bytes)
        #expect(throws: CCIDError.messageTooLong(header, maximum: 271)) { try reader.nextCommand() }
        #expect(reader.bufferedByteCount == 0)
        try reader.append(CCIDCommand(bSeq: 2, .abort).bytes)
        #expect(try reader.nextCommand() == CCIDCommand(bSeq: 2, .abort))
    }

    @Test("the buffer is bounded")
    func bounded() throws {
        var reader = CCIDMessageReader(maxMessageLength: 300, capacity: 400)
        try reader.append([UInt8](repeating: 0, count: 390))
        #expect(throws: CCIDError.bufferFull(capacity: 400)) { try reader.append([UInt8](repeating: 0, count: 11)) }
        #expect(reader.bufferedByteCount == 390)
        try reader.append([UInt8](repeating: 0, count: 10))
        #expect(reader.bufferedByteCount == 400)
    }

    @Test("incomplete input gives nil, not an error")
    func incomplete() throws {
        var reader = CCIDMessageReader()
        try reader.append(hex("6F 05000000 00 01 00"))
        #expect(try reader.nextCommand() == nil)
        try reader.append(hex("00 00 0084"))
        #expect(try reader.nextCommand() == nil)
        try reader.append(hex("000008"))
        #expect(try reader.nextCommand() == CCIDCommand(bSeq: 1, .xfrBlock(bBWI: 0, wLevelParameter: 0, abData: hex("0084000008"))))
    }
}
