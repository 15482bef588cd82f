import Testing
@testable import USBIP

/// Stream decoding on both sides of a connection.
struct USBIPStreamDecoderTests {
    static let devid = USBIPURBMessageTests.devid
    static let powerOn = USBIPCmdSubmit.out(seqnum: 1, devid: devid, ep: 1, data: USBIPURBMessageTests.iccPowerOn)
    static let readReply = USBIPCmdSubmit.in(seqnum: 2, devid: devid, ep: 2, length: 65_554)

    /// What a driver sends: import, then an APDU's bulk OUT and bulk IN in one write, then an unlink.
    static let clientStream: [USBIPMessage] = [
        .OP_REQ_IMPORT(USBIPImportRequest(busid: "1-1")),
        .USBIP_CMD_SUBMIT(powerOn),
        .USBIP_CMD_SUBMIT(readReply),
        .USBIP_CMD_UNLINK(USBIPCmdUnlink(seqnum: 3, devid: devid, unlinkSeqnum: 2)),
    ]

    /// What the emulator answers.
    static let serverStream: [USBIPMessage] = [
        .OP_REP_IMPORT(USBIPImportReply(device: USBIPOpMessageTests.token)),
        .USBIP_RET_SUBMIT(.out(seqnum: 1, actualLength: 10)),
        .USBIP_RET_SUBMIT(.in(seqnum: 2, data: hex("80 10000000 00 01 00 00 00 3B8B800180F9A00000030800001000C8"))),
        .USBIP_RET_UNLINK(USBIPRetUnlink(seqnum: 3, status: 0)),
    ]

    static func drain(_ decoder: inout USBIPStreamDecoder) throws(USBIPError) -> [USBIPMessage] {
        var out: [USBIPMessage] = []
        while let message = try decoder.next() { out.append(message) }
        return out
    }

    static func clientDecoder() throws(USBIPError) -> USBIPStreamDecoder {
        var decoder = USBIPStreamDecoder(role: .client)
        for message in clientStream { try decoder.willSend(message) }
        return decoder
    }

    @Test("the server side decodes the client's stream split at every byte boundary")
    func serverEverySplit() throws {
        let stream = Self.clientStream.flatMap(\.bytes)
        for split in 0...stream.count {
            var decoder = USBIPStreamDecoder(role: .server)
            try decoder.append(stream[..<split])
            var got = try Self.drain(&decoder)
            try decoder.append(stream[split...])
            got += try Self.drain(&decoder)
            #expect(got == Self.clientStream, "split at \(split)")
            #expect(decoder.phase == .urb)
            #expect(decoder.bufferedByteCount == 0)
        }
    }

    @Test("the client side decodes the server's stream split at every byte boundary")
    func clientEverySplit() throws {
        let stream = Self.serverStream.flatMap(\.bytes)
        for split in 0...stream.count {
            var decoder = try Self.clientDecoder()
            try decoder.append(stream[..<split])
            var got = try Self.drain(&decoder)
            try decoder.append(stream[split...])
            got += try Self.drain(&decoder)
            #expect(got == Self.serverStream, "split at \(split)")
            #expect(decoder.pendingSubmitCount == 0)
        }
    }

    @Test("byte-by-byte feeding yields each message exactly once, when complete")
    func byteByByte() throws {
        var decoder = try Self.clientDecoder()
        var got: [USBIPMessage] = []
        for byte in Self.serverStream.flatMap(\.bytes) {
            try decoder.append([byte])
            got += try Self.drain(&decoder)
        }
        #expect(got == Self.serverStream)
    }

    @Test("a devlist conversation stays in the operation phase")
    func devlist() throws {
        var server = USBIPStreamDecoder(role: .server)
        try server.append(USBIPDevlistRequest().bytes)
        #expect(try server.next() == .OP_REQ_DEVLIST(USBIPDevlistRequest()))
        #expect(server.phase == .operation)
        var client = USBIPStreamDecoder(role: .client)
        try client.append(USBIPOpMessageTests.devlistVector)
        guard case .OP_REP_DEVLIST(let reply)? = try client.next() else { Issue.record("no devlist"); return }
        #expect(reply.devices.first?.device.busidString == "1-1")
        #expect(client.phase == .operation)
    }

    @Test("a refused import leaves the client in the operation phase")
    func refusedImport() throws {
        var client = USBIPStreamDecoder(role: .client)
        try client.append(USBIPImportReply(failure: .deviceBusy).bytes + USBIPRetSubmit.out(seqnum: 1, actualLength: 0).bytes)
        #expect(try client.next() == .OP_REP_IMPORT(USBIPImportReply(failure: .deviceBusy)))
        #expect(client.phase == .operation)
        #expect(throws: USBIPError.badVersion(0)) { try client.next() }
    }

    @Test("a RET_SUBMIT nobody asked for is an error, and errors are sticky")
    func unknownSeqnum() throws {
        var client = USBIPStreamDecoder(role: .client, phase: .urb)
        try client.append(USBIPRetSubmit.in(seqnum: 42, data: [1]).bytes)
        #expect(throws: USBIPError.unknownSeqnum(42)) { try client.next() }
        #expect(throws: USBIPError.unknownSeqnum(42)) { try client.next() }
        #expect(throws: USBIPError.unknownSeqnum(42)) { try client.append([0]) }
    }

    @Test("a cancelled submit is forgotten when RET_UNLINK says -ECONNRESET")
    func unlinkForgets() throws {
        var client = USBIPStreamDecoder(role: .client, phase: .urb)
        try client.willSend(.USBIP_CMD_SUBMIT(Self.readReply))
        try client.willSend(.USBIP_CMD_UNLINK(USBIPCmdUnlink(seqnum: 3, devid: Self.devid, unlinkSeqnum: 2)))
        #expect(client.pendingSubmitCount == 1)
        try client.append(USBIPRetUnlink(seqnum: 3, status: USBIPRetUnlink.ECONNRESET).bytes)
        _ = try client.next()
        #expect(client.pendingSubmitCount == 0)
    }

    @Test("the server refuses bad streams as soon as the header is in", arguments: [
        // (phase, bytes, error)
        (USBIPStreamDecoder.Phase.operation, "0100 8005 00000000", USBIPError.badVersion(0x0100)),
        (.operation, "0111 0003 00000000", .unknownOpCode(0x0003)),
        (.urb, "00000004 00000001 00000000 00000000 00000000" + String(repeating: "00", count: 28), .unknownCommand(4)),
        (.urb, "00000001 00000001 00010002 00000000 00000001 00000000 FFFFFFFF 00000000 00000000 00000000 0000000000000000",
         .transferBufferTooLong(length: 0xFFFF_FFFF, maximum: 1 << 20)),
        (.urb, "00000001 00000001 00010002 00000001 00000001 00000000 00000000 00000000 7FFFFFFF 00000000 0000000000000000",
         .tooManyPackets(0x7FFF_FFFF, maximum: 1024)),
        (.urb, "00000001 00000001 00010002 00000003 00000001 00000000 00000000 00000000 00000000 00000000 0000000000000000",
         .badDirection(3)),
    ])
    func serverBadInput(_ phase: USBIPStreamDecoder.Phase, _ text: String, _ expected: USBIPError) throws {
        var server = USBIPStreamDecoder(role: .server, phase: phase)
        try server.append(hex(text))
        #expect(throws: expected) { try server.next() }
    }

    @Test("the buffer and the pending table are bounded")
    func bounded() throws {
        let limits = USBIPLimits(maxTransferBufferLength: 64, maxNumberOfPackets: 0, maxDevices: 1,
                                 maxPendingSubmits: 2, bufferCapacity: 100)
        var server = USBIPStreamDecoder(role: .server, limits: limits, phase: .urb)
        try server.append([UInt8](repeating: 0, count: 100))
        #expect(throws: USBIPError.bufferFull(capacity: 100)) { try server.append([0]) }
        var client = USBIPStreamDecoder(role: .client, limits: limits, phase: .urb)
        try client.willSend(.USBIP_CMD_SUBMIT(.in(seqnum: 1, devid: 1, ep: 2, length: 8)))
        try client.willSend(.USBIP_CMD_SUBMIT(.in(seqnum: 2, devid: 1, ep: 2, length: 8)))
        #expect(throws: USBIPError.tooManyPending(maximum: 2)) {
            try client.willSend(.USBIP_CMD_SUBMIT(.in(seqnum: 3, devid: 1, ep: 2, length: 8)))
        }
    }

    @Test("an incomplete message gives nil until its last byte")
    func incomplete() throws {
        var server = USBIPStreamDecoder(role: .server, phase: .urb)
        let bytes = Self.powerOn.bytes
        try server.append(bytes.dropLast())
        #expect(try server.next() == nil)
        try server.append([bytes.last!])
        #expect(try server.next() == .USBIP_CMD_SUBMIT(Self.powerOn))
        #expect(try server.next() == nil)
    }
}
