import Foundation
import Testing
import USBIP
import UKeyControl
import UKeyEmulator

@Suite("USB/IP server: device list, import, unlink", .serialized)
struct USBIPServerTests {
    @Test("OP_REQ_DEVLIST lists one CCID device per token, bus ids 1-1 … 1-N")
    func devlist() async throws {
        try await withEmulator({ $0.tokens = 3 }) { harness in
            let reply = try harness.client().devlist()
            #expect(reply.status == .ok)
            #expect(reply.devices.map(\.device.busidString) == ["1-1", "1-2", "1-3"])
            for (index, entry) in reply.devices.enumerated() {
                #expect(entry.device.busnum == 1 && entry.device.devnum == UInt32(index + 1))
                #expect(entry.device.pathString == "/sys/devices/ukey/1-\(index + 1)")
                #expect(entry.device.speed == .full)
                #expect(entry.device.idVendor == 0x1209 && entry.device.idProduct == 0x0001)
                #expect(entry.interfaces.map(\.bInterfaceClass) == [0x0B], "one smart-card (CCID) interface")
            }
        }
    }

    @Test("the same server answers over its unix socket")
    func unixSocket() async throws {
        try await withEmulator { harness in
            let client = try USBIPTestClient(try #require(harness.unixAddress))
            #expect(try client.devlist().devices.count == 1)
            #expect(try client.importDevice("1-1").status == .ok)
        }
    }

    @Test("OP_REQ_IMPORT answers status 0 and the device record")
    func importDevice() async throws {
        try await withEmulator({ $0.tokens = 2 }) { harness in
            let reply = try harness.client().importDevice("1-2")
            #expect(reply.status == .ok)
            #expect(reply.device?.busidString == "1-2")
            #expect(reply.device?.devnum == 2)
        }
    }

    @Test("an unknown bus id is refused with status 1 and the connection closed")
    func unknownBusid() async throws {
        try await withEmulator { harness in
            let client = try harness.client()
            #expect(try client.importDevice("1-9").status.rawValue == 1)
            #expect(client.isClosedByPeer())
        }
    }

    @Test("a device imported by one client is refused to another; disconnecting frees it")
    func exclusiveImport() async throws {
        try await withEmulator { harness in
            var first: USBIPTestClient? = try harness.importedClient()
            let second = try harness.client()
            #expect(try second.importDevice("1-1").status.rawValue == 1)
            #expect(second.isClosedByPeer())
            #expect(try harness.status().tokens.first?.imported == true)
            first = nil   // closes the socket
            _ = first
            try waitUntil("the device is free again") { try harness.client().importDevice("1-1").status == .ok }
        }
    }

    @Test("CMD_UNLINK of a pending bulk IN answers -ECONNRESET; of a finished URB, 0")
    func unlink() async throws {
        try await withEmulator { harness in
            let client = try harness.importedClient()
            let pending = client.seqnum()
            try client.send([.USBIP_CMD_SUBMIT(.in(seqnum: pending, devid: client.devid, ep: 2, length: 512))])
            let unlink = client.seqnum()
            try client.send([.USBIP_CMD_UNLINK(USBIPCmdUnlink(seqnum: unlink, devid: client.devid, unlinkSeqnum: pending))])
            guard case .USBIP_RET_UNLINK(let reply) = try client.reply(to: unlink) else { throw TestClientError("no RET_UNLINK") }
            #expect(reply.status == -104)
            let again = client.seqnum()
            try client.send([.USBIP_CMD_UNLINK(USBIPCmdUnlink(seqnum: again, devid: client.devid, unlinkSeqnum: pending))])
            guard case .USBIP_RET_UNLINK(let second) = try client.reply(to: again) else { throw TestClientError("no RET_UNLINK") }
            #expect(second.status == 0, "nothing left to cancel")
        }
    }

    @Test("a transfer to an endpoint the device does not have stalls (-EPIPE)")
    func unknownEndpoint() async throws {
        try await withEmulator { harness in
            let client = try harness.importedClient()
            let number = client.seqnum()
            try client.send([.USBIP_CMD_SUBMIT(.out(seqnum: number, devid: client.devid, ep: 5, data: [1, 2, 3]))])
            #expect(try client.retSubmit(number).status == -32)
        }
    }
}

/// Retries `condition` for up to `timeout` seconds (for effects that cross threads).
func waitUntil(_ what: String, timeout: Double = 5, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if (try? condition()) == true { return }
        usleep(20_000)
    }
    guard try condition() else { throw TestClientError("timed out waiting until \(what)") }
}
