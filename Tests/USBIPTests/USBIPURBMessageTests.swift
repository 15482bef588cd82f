import Testing
import USB
@testable import USBIP

/// USBIP_CMD_* / USBIP_RET_* messages.
struct USBIPURBMessageTests {
    static let devid: UInt32 = 0x0001_0002   // busnum 1 << 16 | devnum 2
    static let iccPowerOn: [UInt8] = hex("62 00000000 00 01 00 00 00")

    /// GET_DESCRIPTOR(DEVICE) on endpoint 0: the first thing vhci sends.
    static let getDeviceDescriptor = USBIPCmdSubmit(
        seqnum: 1, devid: devid, direction: .in, ep: 0, transferFlags: 0x0000_0200, transferBufferLength: 18,
        setup: USBSetupPacket(bmRequestType: 0x80, bRequest: USBSetupPacket.GET_DESCRIPTOR, wValue: 0x0100, wLength: 18))

    static let messages: [USBIPMessage] = [
        .USBIP_CMD_SUBMIT(getDeviceDescriptor),
        .USBIP_CMD_SUBMIT(.out(seqnum: 2, devid: devid, ep: 1, data: iccPowerOn)),
        .USBIP_CMD_SUBMIT(.in(seqnum: 3, devid: devid, ep: 2, length: 65_554)),
        .USBIP_CMD_SUBMIT(.out(seqnum: 4, devid: devid, ep: 1, data: [])),
        .USBIP_CMD_SUBMIT(USBIPCmdSubmit(seqnum: 5, devid: devid, direction: .out, ep: 3, transferBufferLength: 6,
                                         numberOfPackets: 2, interval: 1, transferBuffer: [1, 2, 3, 4, 5, 6],
                                         isoPacketDescriptors: [USBIPISOPacketDescriptor(offset: 0, length: 3),
                                                                USBIPISOPacketDescriptor(offset: 3, length: 3)])),
        .USBIP_CMD_SUBMIT(USBIPCmdSubmit(seqnum: 6, devid: devid, direction: .in, ep: 3, transferBufferLength: 64,
                                         numberOfPackets: 0xFFFF_FFFF)),
        .USBIP_RET_SUBMIT(.in(seqnum: 1, data: hex("12 01 0002 00 00 00 40 0912 0100 0001 01 02 03 01"))),
        .USBIP_RET_SUBMIT(.out(seqnum: 2, actualLength: 10)),
        .USBIP_RET_SUBMIT(.out(seqnum: 3, actualLength: 0, status: -32)),        // -EPIPE: stall
        .USBIP_RET_SUBMIT(USBIPRetSubmit(seqnum: 9, actualLength: 4, numberOfPackets: 1, errorCount: 0,
                                         transferBuffer: [9, 8, 7, 6],
                                         isoPacketDescriptors: [USBIPISOPacketDescriptor(offset: 0, length: 8, actualLength: 4, status: -18)])),
        .USBIP_CMD_UNLINK(USBIPCmdUnlink(seqnum: 7, devid: devid, unlinkSeqnum: 3)),
        .USBIP_RET_UNLINK(USBIPRetUnlink(seqnum: 7, status: USBIPRetUnlink.ECONNRESET)),
        .USBIP_RET_UNLINK(USBIPRetUnlink(seqnum: 8, status: 0)),
    ]

    @Test("parse(serialize(x)) == x", arguments: messages)
    func roundTrip(_ message: USBIPMessage) throws {
        #expect(try USBIPOpMessageTests.parse(message.bytes, like: message) == message)
    }

    @Test("every truncated prefix is rejected as truncated", arguments: messages)
    func truncatedPrefixes(_ message: USBIPMessage) {
        let bytes = message.bytes
        for length in 0..<bytes.count {
            do throws(USBIPError) {
                _ = try USBIPOpMessageTests.parse(Array(bytes.prefix(length)), like: message)
                Issue.record("accepted a prefix of \(length) bytes")
            } catch {
                guard case .truncated(let needed, let available) = error else {
                    Issue.record("prefix of \(length): \(error)"); continue
                }
                #expect(available == length)
                #expect(needed > length && needed <= bytes.count)
            }
        }
    }

    @Test("vectors from usbip_protocol.rst's layout", arguments: [
        (USBIPMessage.USBIP_CMD_SUBMIT(getDeviceDescriptor),
         "00000001 00000001 00010002 00000001 00000000  00000200 00000012 00000000 00000000 00000000  8006000100001200"),
        (.USBIP_CMD_SUBMIT(.out(seqnum: 2, devid: devid, ep: 1, data: iccPowerOn)),
         "00000001 00000002 00010002 00000000 00000001  00000000 0000000A 00000000 00000000 00000000  0000000000000000"
            + " 62 00000000 00 01 00 00 00"),
        (.USBIP_RET_SUBMIT(.in(seqnum: 3, data: [0x90, 0x00])),
         "00000003 00000003 00000000 00000000 00000000  00000000 00000002 00000000 00000000 00000000  0000000000000000 9000"),
        (.USBIP_CMD_UNLINK(USBIPCmdUnlink(seqnum: 7, devid: devid, unlinkSeqnum: 3)),
         "00000002 00000007 00010002 00000000 00000000  00000003" + String(repeating: "00", count: 24)),
        (.USBIP_RET_UNLINK(USBIPRetUnlink(seqnum: 7, status: -104)),
         "00000004 00000007 00000000 00000000 00000000  FFFFFF98" + String(repeating: "00", count: 24)),
    ])
    func vectors(_ message: USBIPMessage, _ text: String) throws {
        #expect(message.bytes == hex(text))
        #expect(try USBIPOpMessageTests.parse(hex(text), like: message) == message)
    }

    static let submitHeader = "00000001 00000001 00010002"

    @Test("bad URB input", arguments: [
        // direction 2
        (submitHeader + " 00000002 00000001 00000000 00000000 00000000 00000000 00000000 0000000000000000",
         USBIPError.badDirection(2)),
        // transfer_buffer_length 0x7FFFFFFF, IN: refused without waiting for anything
        (submitHeader + " 00000001 00000002 00000000 7FFFFFFF 00000000 00000000 00000000 0000000000000000",
         .transferBufferTooLong(length: 0x7FFF_FFFF, maximum: 1 << 20)),
        // absurd number_of_packets
        (submitHeader + " 00000001 00000002 00000000 00000000 00000000 00100000 00000000 0000000000000000",
         .tooManyPackets(0x0010_0000, maximum: 1024)),
        // command 5
        ("00000005 00000001 00010002 00000000 00000001 00000000 00000000 00000000 00000000 00000000 0000000000000000",
         .unknownCommand(5)),
        // RET_SUBMIT sent to a server
        ("00000003 00000001 00010002 00000000 00000001 00000000 00000000 00000000 00000000 00000000 0000000000000000",
         .unknownCommand(3)),
        // OUT with 4 bytes announced, 5 present
        (submitHeader + " 00000000 00000001 00000000 00000004 00000000 00000000 00000000 0000000000000000 0102030405",
         .trailingBytes(expected: 52, available: 53)),
    ])
    func badSubmits(_ text: String, _ expected: USBIPError) {
        #expect(throws: expected) { try USBIPCmdSubmit(parsing: hex(text)) }
    }

    @Test("a RET_SUBMIT with more IN data than was asked for is refused")
    func overlongReturn() {
        let bytes = USBIPRetSubmit.in(seqnum: 1, data: [1, 2, 3]).bytes
        #expect(throws: USBIPError.actualLengthTooLong(actual: 3, requested: 2)) {
            try USBIPRetSubmit(parsing: bytes, requestDirection: .in, requestedLength: 2)
        }
        #expect(throws: USBIPError.transferBufferTooLong(length: 3, maximum: 2)) {
            try USBIPRetSubmit(parsing: bytes, requestDirection: .in, limits: USBIPLimits(maxTransferBufferLength: 2))
        }
    }

    @Test("an OUT submit's transfer_buffer_length is its data's length")
    func outLength() {
        var submit = USBIPCmdSubmit.out(seqnum: 1, devid: 1, ep: 1, data: [1, 2, 3])
        submit.transferBuffer += [4]
        #expect(submit.bytes[24..<28] == [0, 0, 0, 4])
        #expect(submit.bytes.count == 52)
    }
}
