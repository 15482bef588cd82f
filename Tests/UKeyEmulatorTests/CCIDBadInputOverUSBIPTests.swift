import CCID
import Foundation
import Testing
import USBIP

/// Malformed CCID messages through bulk OUT of a real USB/IP connection: each gets the CCID
/// spec's failure reply (bStatus failed, bError naming the bad field) on bulk IN, with the
/// message's bSeq and bSlot, and the token keeps serving the same connection.
@Suite("CCID bad input over USB/IP", .serialized, .tags(.tokenDevice))
struct CCIDBadInputOverUSBIPTests {
    static func raw(_ type: UInt8, dwLength: UInt32, bSlot: UInt8 = 0, bSeq: UInt8, _ byte7: UInt8 = 0,
                    _ abData: [UInt8] = []) -> [UInt8] {
        CCIDHeader(bMessageType: type, dwLength: dwLength, bSlot: bSlot, bSeq: bSeq, byte7: byte7).bytes + abData
    }

    struct Case: CustomStringConvertible, Sendable {
        var description: String
        var bytes: [UInt8]
        var replyType: UInt8
        var bError: UInt8
    }

    static let cases: [Case] = [
        Case(description: "GetSlotStatus with dwLength 3 (offset 1)", bytes: raw(0x65, dwLength: 3, bSeq: 0x41, 0, [1, 2, 3]),
             replyType: 0x81, bError: 1),
        Case(description: "unknown bMessageType 0x99 (command not supported)", bytes: raw(0x99, dwLength: 0, bSeq: 0x42),
             replyType: 0x81, bError: 0),
        Case(description: "an RDR_to_PC type (0x80) sent as a command", bytes: raw(0x80, dwLength: 0, bSeq: 0x43),
             replyType: 0x81, bError: 0),
        Case(description: "wrong bSlot 3 (offset 5)", bytes: raw(0x65, dwLength: 0, bSlot: 3, bSeq: 0x44), replyType: 0x81, bError: 5),
        Case(description: "XfrBlock to wrong bSlot 1 (offset 5)", bytes: raw(0x6F, dwLength: 5, bSlot: 1, bSeq: 0x45, 0, [0, 0xCA, 1, 0, 0]),
             replyType: 0x80, bError: 5),
        Case(description: "IccPowerOn with bPowerSelect 7 (offset 7)", bytes: raw(0x62, dwLength: 0, bSeq: 0x46, 7),
             replyType: 0x80, bError: 7),
        Case(description: "SetParameters T=1 truncated to 5 of 7 bytes (dwLength, offset 1)",
             bytes: raw(0x61, dwLength: 5, bSeq: 0x47, 1, [0x11, 0x10, 0, 0x4D, 0]), replyType: 0x82, bError: 1),
    ]

    @Test("a malformed message gets the spec's failure reply and the token keeps serving", arguments: cases)
    func badMessage(_ input: Case) async throws {
        try await withEmulator { harness in
            let client = try harness.importedClient()
            _ = try client.powerOn()
            let out = client.seqnum(), inbound = client.seqnum()
            try client.send([.USBIP_CMD_SUBMIT(.out(seqnum: out, devid: client.devid, ep: 1, data: input.bytes)),
                             .USBIP_CMD_SUBMIT(.in(seqnum: inbound, devid: client.devid, ep: 2, length: 512))])
            #expect(try client.retSubmit(out).status == 0, "bulk OUT accepted")
            let reply = try CCIDReply(parsing: client.retSubmit(inbound).transferBuffer)
            #expect(reply.bSeq == input.bytes[6], "bSeq echoed")
            #expect(reply.bSlot == input.bytes[5], "bSlot echoed")
            #expect(reply.message.messageType.rawValue == input.replyType)
            #expect(reply.bStatus.bmCommandStatus == .failed)
            #expect(reply.bError.rawValue == input.bError)
            let select: [UInt8] = [0x00, 0xA4, 0x04, 0x0C, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]
            #expect(try client.transmit(select) == [0x90, 0x00], "the same connection is still served")
        }
    }

    @Test("a truncated CCID message, then the client vanishes: the next client's card answers cleanly")
    func truncatedThenVanish() async throws {
        try await withEmulator { harness in
            var first: USBIPTestClient? = try harness.importedClient()
            _ = try first!.powerOn()
            let header = Self.raw(0x6F, dwLength: 11, bSeq: 0x50, 0, [0x00, 0xA4, 0x04])  // 8 of 11 bytes missing
            let out = first!.seqnum()
            try first!.send([.USBIP_CMD_SUBMIT(.out(seqnum: out, devid: first!.devid, ep: 1, data: header))])
            #expect(try first!.retSubmit(out).status == 0)
            first = nil
            _ = first
            var second: USBIPTestClient? = nil
            try waitUntil("1-1 is free") {
                second = try harness.client()
                return try second!.importDevice("1-1").status == .ok
            }
            let client = try #require(second)
            // The disconnect reset the device (TokenDevice.detach): the half message is gone, so
            // this client's IccPowerOn and SELECT get their own answers (not the stale bSeq 0x50).
            _ = try client.powerOn()
            #expect(try client.transmit([0x00, 0xA4, 0x04, 0x0C, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]) == [0x90, 0x00],
                    "the half message left nothing behind")
        }
    }
}
