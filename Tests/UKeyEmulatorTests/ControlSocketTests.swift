import Foundation
import Testing
import UKeyEmulator

@Suite("Control socket: status, errors, events", .serialized)
struct ControlSocketTests {
    @Test("status lists the listeners and every token with its serial")
    func status() async throws {
        try await withEmulator({ $0.tokens = 2 }) { harness in
            let reply = try harness.control().request(["op": "status"])
            #expect(reply["ok"] as? Bool == true)
            #expect(reply["listeners"] as? [String] == harness.emulator.listenerAddresses)
            let tokens = try #require(reply["tokens"] as? [[String: Any]])
            #expect(tokens.map { $0["busid"] as? String } == ["1-1", "1-2"])
            #expect(tokens.map { $0["serial"] as? String } == harness.emulator.serials.map(\.serial))
            #expect(tokens.allSatisfy { $0["waiting"] as? Bool == false && $0["imported"] as? Bool == false })
        }
    }

    @Test("bad requests get ok:false and an error, and the connection stays usable", arguments: [
        ("not json", "not a JSON object"),
        (#"{"noop":1}"#, "missing"),
        (#"{"op":"dance"}"#, "unknown op"),
        (#"{"op":"press","button":"ok"}"#, "say which"),
        (#"{"op":"press","token":"1-7","button":"ok"}"#, "no token 1-7"),
        (#"{"op":"press","token":"1-1","button":"maybe"}"#, "\"button\""),
        (#"{"op":"press","token":"1-1","button":"ok"}"#, "not waiting"),
    ])
    func badRequests(line: String, error: String) async throws {
        try await withEmulator({ $0.tokens = 2 }) { harness in
            let socket = try USBIPTestClient("unix:" + harness.emulator.controlSocketPath)
            try socket.sendRaw(Array((line + "\n").utf8))
            let reply = try #require(try JSONSerialization.jsonObject(with: Data(socket.readLine().utf8)) as? [String: Any])
            #expect(reply["ok"] as? Bool == false)
            #expect((reply["error"] as? String)?.contains(error) == true, "\(reply)")
            try socket.sendRaw(Array(#"{"op":"status"}"#.utf8) + [0x0A])
            #expect(try socket.readLine().contains(#""ok":true"#), "the connection still answers")
        }
    }

    @Test("a token can be named by its serial, in any case")
    func serialName() async throws {
        try await withEmulator({ $0.tokens = 2 }) { harness in
            let serial = harness.emulator.serials[1].serial.lowercased()
            let reply = try harness.control().request(["op": "remove", "token": serial])
            #expect(reply["token"] as? String == "1-2")
        }
    }

    @Test("events: a subscriber receives removed, with the token's bus id")
    func removedEvent() async throws {
        try await withEmulator { harness in
            let events = try harness.control()
            #expect(try events.request(["op": "events"])["subscribed"] as? Bool == true)
            #expect(try harness.control().request(["op": "remove"])["ok"] as? Bool == true)
            let event = try #require(try events.nextLine(timeout: 10))
            #expect(event["event"] as? String == "removed")
            #expect(event["token"] as? String == "1-1")
        }
    }
}
