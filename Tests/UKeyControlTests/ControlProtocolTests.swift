import Foundation
import Testing
import UKeyControl

/// Every request, reply and event of the control socket against its exact line on the wire
/// (README, "Emulator control socket"). Each line is also checked to be what the protocol's first
/// implementation (`JSONSerialization`, keys sorted, slashes unescaped) wrote for the same object.
@Suite("Control protocol: lines on the wire")
struct ControlProtocolTests {
    static let requests: [(ControlRequest, String)] = [
        (.status, #"{"op":"status"}"#),
        (.events, #"{"op":"events"}"#),
        (.press(token: "1-1", button: .ok, once: false), #"{"button":"ok","once":false,"op":"press","token":"1-1"}"#),
        (.press(token: nil, button: .cancel, once: true), #"{"button":"cancel","once":true,"op":"press"}"#),
        (.insert(token: "1-2"), #"{"op":"insert","token":"1-2"}"#),
        (.insert(token: nil), #"{"op":"insert"}"#),
        (.remove(token: "0A1B2C3D4E5F6071"), #"{"op":"remove","token":"0A1B2C3D4E5F6071"}"#),
        (.abort(token: "1-6"), #"{"op":"abort","token":"1-6"}"#),
        (.otp(token: "1-1", account: "Example:alice"), #"{"account":"Example:alice","op":"otp","token":"1-1"}"#),
        (.otp(token: nil, account: nil), #"{"op":"otp"}"#),
        (.stop, #"{"op":"stop"}"#),
        (.reset(token: "1-3", factory: false), #"{"factory":false,"op":"reset","token":"1-3"}"#),
        (.reset(token: "1-3", factory: true), #"{"factory":true,"op":"reset","token":"1-3"}"#),
        (.set(confirm: "approve"), #"{"confirm":"approve","op":"set"}"#),
        (.keys(token: "1-1", keys: ["1", "2", "clear", "ok"]), #"{"keys":["1","2","clear","ok"],"op":"keys","token":"1-1"}"#),
        (.keys(token: nil, keys: ["cancel"]), #"{"keys":["cancel"],"op":"keys"}"#),
    ]

    static let screen = ControlStatus.Screen(lines: ["Payee account", "DE89 3704 0044", "Amount", "1234.56 €"], page: 1, pages: 3)
    static let status = ControlStatus(
        pid: 4242, state: "/home/user/.local/state/ukey", listeners: ["127.0.0.1:3240", "unix:/tmp/u sb/ip.sock"], confirm: "external",
        tokens: [
            ControlStatus.Token(busid: "1-1", serial: "0A1B2C3D", present: true, imported: true, vpcd: false, waiting: true,
                                screen: screen),
            ControlStatus.Token(busid: "1-2", serial: "FFEE0011", present: false, imported: false, vpcd: true, waiting: false,
                                screen: nil),
        ])

    static let replies: [(ControlReply, String)] = [
        (.failure("no token 1-7"), #"{"error":"no token 1-7","ok":false}"#),
        (.status(status), #"{"confirm":"external","listeners":["127.0.0.1:3240","unix:/tmp/u sb/ip.sock"],"ok":true,"pid":4242,"#
            + #""state":"/home/user/.local/state/ukey","tokens":[{"busid":"1-1","imported":true,"present":true,"#
            + #""screen":{"lines":["Payee account","DE89 3704 0044","Amount","1234.56 €"],"page":1,"pages":3},"serial":"0A1B2C3D","#
            + #""token":"1-1","vpcd":false,"waiting":true},{"busid":"1-2","imported":false,"present":false,"screen":null,"#
            + #""serial":"FFEE0011","token":"1-2","vpcd":true,"waiting":false}]}"#),
        (.status(ControlStatus(pid: 1, state: "/s", listeners: [], confirm: "approve", tokens: [])),
         #"{"confirm":"approve","listeners":[],"ok":true,"pid":1,"state":"/s","tokens":[]}"#),
        (.subscribed, #"{"ok":true,"subscribed":true}"#),
        (.pressed(token: "1-1", waiting: false), #"{"ok":true,"token":"1-1","waiting":false}"#),
        (.pressed(token: "1-2", waiting: true), #"{"ok":true,"token":"1-2","waiting":true}"#),
        (.slot(token: "1-1", present: false), #"{"ok":true,"present":false,"token":"1-1"}"#),
        (.slot(token: "1-3", present: true), #"{"ok":true,"present":true,"token":"1-3"}"#),
        (.stopping, #"{"ok":true,"stopping":true}"#),
        (.reset(token: "1-3", serial: "0A1B2C3D4E5F6071"), #"{"ok":true,"serial":"0A1B2C3D4E5F6071","token":"1-3"}"#),
        (.configured(confirm: "deny"), #"{"confirm":"deny","ok":true}"#),
    ]

    static let events: [(ControlEvent, String)] = [
        (ControlEvent(token: "1-1", .display(lines: ["Transfer", "Zhang San", #"a "quoted" \ line"#, "tab\there"], page: 1, pages: 3)),
         #"{"event":"display","lines":["Transfer","Zhang San","a \"quoted\" \\ line","tab\there"],"page":1,"pages":3,"token":"1-1"}"#),
        (ControlEvent(token: "1-1", .waiting(page: 2, pages: 3)), #"{"event":"waiting","page":2,"pages":3,"token":"1-1"}"#),
        (ControlEvent(token: "1-2", .signed(counter: 4_294_967_295)), #"{"counter":4294967295,"event":"signed","token":"1-2"}"#),
        (ControlEvent(token: "1-1", .denied), #"{"event":"denied","token":"1-1"}"#),
        (ControlEvent(token: "1-1", .timeout), #"{"event":"timeout","token":"1-1"}"#),
        (ControlEvent(token: "1-1", .aborted), #"{"event":"aborted","token":"1-1"}"#),
        (ControlEvent(token: "1-1", .pinBlocked), #"{"event":"pin-blocked","token":"1-1"}"#),
        (ControlEvent(token: "1-4", .inserted), #"{"event":"inserted","token":"1-4"}"#),
        (ControlEvent(token: "1-4", .removed), #"{"event":"removed","token":"1-4"}"#),
        (ControlEvent(token: "1-1", .otp(account: "Example:alice")), #"{"account":"Example:alice","event":"otp","token":"1-1"}"#),
        (ControlEvent(token: "1-1", .pinEntry(digits: 6)), #"{"digits":6,"event":"pin-entry","token":"1-1"}"#),
    ]

    /// What the first implementation wrote for the object on `line`.
    static func firstImplementation(_ line: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    static func roundTrip<Value: Codable & Equatable>(_ value: Value, _ line: String) throws {
        #expect(ControlLine.encode(value) == Array(line.utf8) + [0x0A])
        #expect(ControlLine.text(value) == line)
        #expect(try ControlLine.decode(Value.self, from: Array(line.utf8)) == value)
        #expect(try firstImplementation(line) == line, "the line is in the first implementation's form")
    }

    @Test("requests", arguments: requests)
    func request(_ request: ControlRequest, line: String) throws {
        try Self.roundTrip(request, line)
        #expect(try ControlRequest(line: Array(line.utf8)) == request)
    }

    @Test("replies", arguments: replies)
    func reply(_ reply: ControlReply, line: String) throws {
        try Self.roundTrip(reply, line)
    }

    @Test("events", arguments: events)
    func event(_ event: ControlEvent, line: String) throws {
        try Self.roundTrip(event, line)
    }

    @Test("requests are read as leniently as ever: a field of the wrong type counts as absent", arguments: [
        (#"{"op":"press","token":"1-1","button":"ok"}"#, ControlRequest.press(token: "1-1", button: .ok, once: false)),
        (#"{"op":"press","token":"1-1","button":"maybe"}"#, .press(token: "1-1", button: nil, once: false)),
        (#"{"op":"press","token":7,"button":true,"once":"yes"}"#, .press(token: nil, button: nil, once: false)),
        (#"{"op":"insert","token":null}"#, .insert(token: nil)),
        (#" {"op":"status","pin":"123456"} "#, .status),
        (#"{"token":"1-1","op":"remove"}"#, .remove(token: "1-1")),
    ])
    func lenientRequest(line: String, request: ControlRequest) throws {
        #expect(try ControlRequest(line: Array(line.utf8)) == request)
    }

    @Test("a keys request never shows its keys in a description or debug description")
    func keysHidden() throws {
        let request = try ControlRequest(line: Array(#"{"op":"keys","token":"1-1","keys":["2","4","6","8","1","3","ok"]}"#.utf8))
        #expect(request == .keys(token: "1-1", keys: ["2", "4", "6", "8", "1", "3", "ok"]))
        for text in [request.description, String(describing: request), String(reflecting: request), "\(request)"] {
            #expect(text == "keys(token: 1-1, 7 keys)")
        }
        #expect(ControlRequest.status.description == #"{"op":"status"}"#)
    }

    @Test("bad request lines: the error the server replies with", arguments: [
        ("not json", ControlRequestError.notAnObject),
        ("", .notAnObject),
        ("[1,2]", .notAnObject),
        (#""status""#, .notAnObject),
        (#"{"op":"status""#, .notAnObject),
        ("{}", .missingOp),
        (#"{"noop":1}"#, .missingOp),
        (#"{"op":5}"#, .missingOp),
        (#"{"op":null}"#, .missingOp),
        (#"{"op":"dance"}"#, .unknownOp("dance")),
        (#"{"op":"STATUS"}"#, .unknownOp("STATUS")),
    ])
    func badRequest(line: String, error: ControlRequestError) {
        #expect(throws: error) { try ControlRequest(line: Array(line.utf8)) }
    }

    @Test("the server's error replies, byte for byte", arguments: [
        (ControlRequestError.notAnObject.description, #"{"error":"the request is not a JSON object","ok":false}"#),
        (ControlRequestError.missingOp.description, #"{"error":"missing \"op\"","ok":false}"#),
        (ControlRequestError.unknownOp("dance").description,
         #"{"error":"unknown op \"dance\" (status, press, insert, remove, abort, events, otp, stop, reset, set, fault-add, fault-list, fault-clear, capture-start, capture-stop, keys)","ok":false}"#),
        (ControlRequestError.lineTooLong.description, #"{"error":"request line too long","ok":false}"#),
        (#"2 tokens: say which with "token" (a bus id or a serial)"#,
         #"{"error":"2 tokens: say which with \"token\" (a bus id or a serial)","ok":false}"#),
        ("no token 1-7", #"{"error":"no token 1-7","ok":false}"#),
        (#""button" must be "ok" or "cancel""#, #"{"error":"\"button\" must be \"ok\" or \"cancel\"","ok":false}"#),
        ("token 1-1 is not waiting for a confirmation", #"{"error":"token 1-1 is not waiting for a confirmation","ok":false}"#),
        ("permission denied: the control socket serves its owner only",
         #"{"error":"permission denied: the control socket serves its owner only","ok":false}"#),
    ])
    func errorReply(message: String, line: String) throws {
        try Self.roundTrip(ControlReply.failure(message), line)
    }

    @Test("lines that are JSON but no reply or event are refused", arguments: [
        #"{"ok":true}"#, #"{"ok":false}"#, #"{"ok":"yes","error":"x"}"#, #"{"event":"dance","token":"1-1"}"#, #"{"event":"signed","token":"1-1"}"#,
    ])
    func unknownLine(line: String) {
        #expect(throws: (any Error).self) { try ControlLine.decode(ControlReply.self, from: Array(line.utf8)) }
        #expect(throws: (any Error).self) { try ControlLine.decode(ControlEvent.self, from: Array(line.utf8)) }
    }

    @Test("the request limit is 64 KiB")
    func limit() {
        #expect(ControlLine.maxLength == 65_536)
    }

    /// Every field name on the wire is one the README documents: none can carry a PUK or key
    /// material, and only the `keys` request's `keys` may carry digits (the holder typing on the
    /// token's keypad); `digits` is a count.
    @Test("no field for a secret but the keys typed")
    func fieldNames() throws {
        let documented: Set<String> = ["op", "token", "button", "once", "ok", "error", "pid", "state", "listeners", "confirm", "tokens",
                                       "busid", "serial", "present", "imported", "vpcd", "waiting", "screen", "lines", "page",
                                       "pages", "subscribed", "event", "counter", "account", "factory", "stopping", "keys", "digits"]
        func keys(_ object: Any) -> Set<String> {
            if let dictionary = object as? [String: Any] {
                return dictionary.reduce(into: Set(dictionary.keys)) { $0.formUnion(keys($1.value)) }
            }
            if let array = object as? [Any] { return array.reduce(into: []) { $0.formUnion(keys($1)) } }
            return []
        }
        let lines = Self.requests.map(\.1) + Self.replies.map(\.1) + Self.events.map(\.1)
        let seen = try lines.reduce(into: Set<String>()) { $0.formUnion(keys(try JSONSerialization.jsonObject(with: Data($1.utf8)))) }
        #expect(seen == documented)
    }
}

@Suite("Control protocol: text for ukey emulator without --json")
struct ControlFormatterTests {
    @Test("events", arguments: [
        (ControlEvent(token: "1-1", .display(lines: ["Payee account", "DE89…"], page: 1, pages: 3)), "1-1 display 1/3: [Payee account] [DE89…]"),
        (ControlEvent(token: "1-1", .waiting(page: 3, pages: 3)), "1-1 waiting 3/3"),
        (ControlEvent(token: "1-2", .signed(counter: 3)), "1-2 signed counter 3"),
        (ControlEvent(token: "1-1", .pinBlocked), "1-1 pin-blocked"),
        (ControlEvent(token: "1-1", .timeout), "1-1 timeout"),
        (ControlEvent(token: "1-1", .removed), "1-1 removed"),
        (ControlEvent(token: "1-1", .pinEntry(digits: 4)), "1-1 pin-entry 4 digits"),
    ])
    func event(_ event: ControlEvent, text: String) {
        #expect(ControlFormatter.event(event) == text)
    }

    @Test("results", arguments: [
        (ControlReply.slot(token: "1-1", present: true), "1-1: card present"),
        (.slot(token: "1-1", present: false), "1-1: card removed"),
        (.pressed(token: "1-2", waiting: true), "1-2: next page shown"),
        (.pressed(token: "1-2", waiting: false), "1-2: decided"),
    ])
    func result(_ reply: ControlReply, text: String) {
        #expect(ControlFormatter.result(reply) == text)
    }

    @Test("status")
    func status() {
        #expect(ControlFormatter.status(ControlProtocolTests.status) == """
            state      /home/user/.local/state/ukey
            listening  127.0.0.1:3240
            listening  unix:/tmp/u sb/ip.sock
            confirm    external
            token 1-1  serial 0A1B2C3D  card present, imported, waiting for the holder
              screen 1/3
              │Payee account
              │DE89 3704 0044
              │Amount
              │1234.56 €
            token 1-2  serial FFEE0011  card removed, vpcd
            """)
    }
}

/// Issue 20: the fault ops, reply and event on the wire.
@Suite("Control protocol: faults")
struct ControlFaultWireTests {
    @Test("fault-add / fault-list / fault-clear, the faults reply and the fault event round-trip")
    func roundTrip() throws {
        var fault = ControlFault(action: "respond")
        fault.ins = "2A"
        fault.sw = "6F00"
        fault.after = true
        fault.apduPrefix = "002A9E9A"
        let add = ControlRequest.faultAdd(token: "1-1", fault: fault)
        let line = ControlLine.text(add)
        #expect(line == #"{"fault":{"action":"respond","after":true,"apdu-prefix":"002A9E9A","ins":"2A","sw":"6F00"},"op":"fault-add","token":"1-1"}"#)
        #expect(try ControlRequest(line: Array(line.utf8)) == add)
        #expect(try ControlRequest(line: Array(#"{"op":"fault-list"}"#.utf8)) == .faultList(token: nil))
        #expect(try ControlRequest(line: Array(#"{"op":"fault-clear","token":"1-2"}"#.utf8)) == .faultClear(token: "1-2"))
        #expect(throws: ControlRequestError.missingFault) { try ControlRequest(line: Array(#"{"op":"fault-add"}"#.utf8)) }
        var listed = fault
        listed.id = 1
        listed.fired = 0
        let reply = ControlReply.faults(token: "1-1", faults: [listed])
        #expect(try ControlLine.decode(ControlReply.self, from: Array(ControlLine.text(reply).utf8)) == reply)
        let event = ControlEvent(token: "1-1", .fault(id: 1, action: "respond"))
        #expect(ControlLine.text(event) == #"{"action":"respond","event":"fault","id":1,"token":"1-1"}"#)
        #expect(try ControlLine.decode(ControlEvent.self, from: Array(ControlLine.text(event).utf8)) == event)
    }
}
