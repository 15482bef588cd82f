import Foundation
import Testing
import UKeyControl
import UKeyEmulator

@Suite("Control socket: status, errors, events", .serialized)
struct ControlSocketTests {
    @Test("status lists the listeners and every token with its serial")
    func status() async throws {
        try await withEmulator({ $0.tokens = 2 }) { harness in
            let status = try harness.status()
            #expect(status.listeners == harness.emulator.listenerAddresses)
            #expect(status.tokens.map(\.busid) == ["1-1", "1-2"])
            #expect(status.tokens.map(\.serial) == harness.emulator.serials.map(\.serial))
            #expect(status.tokens.allSatisfy { !$0.waiting && !$0.imported })
        }
    }

    @Test("bad requests get ok:false and an error, and the connection stays usable", arguments: [
        ("not json", "not a JSON object"),
        (#"{"noop":1}"#, "missing"),
        (#"{"op":"dance"}"#, "unknown op"),
        (#"{"op":"press","button":"ok"}"#, "say which"),
        (#"{"op":"press","token":"1-7","button":"ok"}"#, "no token 1-7"),
        (#"{"op":"press","token":"1-7","button":"maybe"}"#, "no token 1-7"),
        (#"{"op":"press","token":"1-1","button":"maybe"}"#, "\"button\""),
        (#"{"op":"press","token":"1-1","button":"ok"}"#, "not waiting"),
    ])
    func badRequests(line: String, error: String) async throws {
        try await withEmulator({ $0.tokens = 2 }) { harness in
            let socket = try USBIPTestClient("unix:" + harness.emulator.controlSocketPath)
            try socket.sendRaw(Array((line + "\n").utf8))
            let reply = try ControlLine.decode(ControlReply.self, from: Array(socket.readLine().utf8))
            #expect(reply.error?.contains(error) == true, "\(reply)")
            try socket.sendRaw(ControlLine.encode(ControlRequest.status))
            #expect(try socket.readLine().contains(#""ok":true"#), "the connection still answers")
        }
    }

    @Test("a request line over 64 KiB gets one error reply, then the connection is closed")
    func overLongLine() async throws {
        try await withEmulator { harness in
            let socket = try USBIPTestClient("unix:" + harness.emulator.controlSocketPath)
            try socket.sendRaw([UInt8](repeating: 0x20, count: ControlLine.maxLength + 1))
            #expect(try socket.readLine() == #"{"error":"request line too long","ok":false}"#)
            #expect(socket.isClosedByPeer())
        }
    }

    @Test("a token can be named by its serial, in any case")
    func serialName() async throws {
        try await withEmulator({ $0.tokens = 2 }) { harness in
            let serial = harness.emulator.serials[1].serial.lowercased()
            let reply = try harness.control().request(.remove(token: serial))
            #expect(reply == .slot(token: "1-2", present: false))
        }
    }

    @Test("events: a subscriber receives removed, with the token's bus id")
    func removedEvent() async throws {
        try await withEmulator { harness in
            let events = try harness.events()
            #expect(try harness.control().request(.remove(token: nil)).isOK)
            #expect(try events.nextEvent(timeout: 60) == ControlEvent(token: "1-1", .removed))
        }
    }
}
