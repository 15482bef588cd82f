import Foundation

// The emulator's control protocol (README, "Emulator control socket"): JSON objects, one per line,
// keys sorted. A client sends ``ControlRequest`` lines; each gets one ``ControlReply`` line; after
// `{"op":"events"}` the connection also receives one ``ControlEvent`` line per token event.
// The emulator (server) and `ukey emulator …`, the private-pcscd helper and the tests (clients)
// all speak it through these types. No reply or event carries a PIN, a PUK or key material:
// there is no field for one. One request may carry digits: `keys`, key presses on a token's
// keypad (the holder typing a PIN the token asked for). Its keys are never logged, never echoed
// in a reply, an error or an event (the socket is 0600, same user only).

/// One JSON object per line, in both directions.
public enum ControlLine {
    /// A request line longer than this (64 KiB) gets ``ControlRequestError/lineTooLong`` and the
    /// connection is closed.
    public static let maxLength = 64 * 1024

    /// What the server sends if a reply could not be encoded (never expected).
    static let unencodable = #"{"error":"internal error: unencodable reply","ok":false}"#

    /// `value` as one JSON line with its newline, keys sorted, slashes not escaped.
    public static func encode(_ value: some Encodable) -> [UInt8] {
        Array(text(value).utf8) + [0x0A]
    }

    /// `value` as JSON without the newline (what `--json` prints).
    public static func text(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return unencodable }
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses one line (without its newline). Throws the type's own error
    /// (``ControlRequestError`` for requests), or `DecodingError` for what is not JSON.
    public static func decode<Value: Decodable>(_ type: Value.Type, from line: [UInt8]) throws -> Value {
        try JSONDecoder().decode(type, from: Data(line))
    }
}

// MARK: - Requests

/// A button on the token's keypad.
public enum ControlButton: String, Codable, Hashable, Sendable, CaseIterable {
    case ok, cancel
}

/// A request line: `{"op":"status"}`, `{"op":"press","token":"1-1","button":"ok","once":true}`, …
/// `token` names a token by bus id or serial and may be left out when the emulator has one.
public enum ControlRequest: Hashable, Sendable {
    /// The state directory, listeners, confirmation mode and every token.
    case status
    /// Subscribe this connection to token events.
    case events
    /// Press a button: through every page (OK approves), or one page with `once`. `button` is
    /// `nil` when the line had none or another value; the server names a bad token first.
    case press(token: String?, button: ControlButton?, once: Bool)
    /// The card goes into the token's slot.
    case insert(token: String?)
    /// The card leaves the token's slot.
    case remove(token: String?)
    /// The computer ends the confirmation the token waits for (its client was interrupted): the
    /// waiting command completes at once as aborted, and the screen says so.
    case abort(token: String?)
    /// The holder picks an OATH account on the token (`account`, or the first one) and reads its
    /// code on the screen: the `display` event carries the code, the `otp` event only the name.
    case otp(token: String?, account: String?)
    /// The emulator stops as on SIGTERM, after this reply.
    case stop
    /// The token's power cycle (the card leaves the slot and comes back: volatile state, a
    /// verified PIN and a waiting confirmation are gone); with `factory`, the token as
    /// manufactured instead: a new serial, no keys, new factory secrets.
    case reset(token: String?, factory: Bool)
    /// Changes the emulator's settings at run time: the confirmation mode (`ask`, `approve`,
    /// `deny`, `external`; the server checks it).
    case set(confirm: String?)
    /// Adds a fault to the token's table (issue 20): the reply lists the table.
    case faultAdd(token: String?, fault: ControlFault)
    /// The token's fault table.
    case faultList(token: String?)
    /// Empties the token's fault table.
    case faultClear(token: String?)
    /// Starts capturing every token's USB traffic into `file` (absolute path; usbmon pcap),
    /// PIN-carrying commands redacted unless `includeSecrets`.
    case captureStart(file: String, includeSecrets: Bool)
    /// Stops the running capture.
    case captureStop
    /// Keys pressed on the token's keypad, in order: `0`…`9`, `ok`, `cancel`, `clear`. The one
    /// request that may carry digits: never logged, never echoed. `description` hides them.
    case keys(token: String?, keys: [String])

    /// The `op` field.
    public var op: String {
        switch self {
        case .status: "status"
        case .events: "events"
        case .press: "press"
        case .insert: "insert"
        case .remove: "remove"
        case .abort: "abort"
        case .otp: "otp"
        case .stop: "stop"
        case .reset: "reset"
        case .set: "set"
        case .faultAdd: "fault-add"
        case .faultList: "fault-list"
        case .faultClear: "fault-clear"
        case .captureStart: "capture-start"
        case .captureStop: "capture-stop"
        case .keys: "keys"
        }
    }

    /// The `token` field.
    public var token: String? {
        switch self {
        case .status, .events, .stop, .set, .captureStart, .captureStop: nil
        case .press(let token, _, _), .insert(let token), .remove(let token), .abort(let token): token
        case .otp(let token, _): token
        case .reset(let token, _): token
        case .faultAdd(let token, _), .faultList(let token), .faultClear(let token): token
        case .keys(let token, _): token
        }
    }
}

/// Why a request line was refused before it reached a token; ``description`` is the reply's
/// `error`.
public enum ControlRequestError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Not JSON, or JSON but not an object.
    case notAnObject
    /// No `op`, or an `op` that is not a string.
    case missingOp
    /// An `op` the emulator does not know.
    case unknownOp(String)
    /// A line longer than ``ControlLine/maxLength`` (the connection is closed after the reply).
    case lineTooLong
    /// `fault-add` without a `fault` object the emulator can read.
    case missingFault

    public var description: String {
        switch self {
        case .notAnObject: "the request is not a JSON object"
        case .missingOp: #"missing "op""#
        case .unknownOp(let op): #"unknown op "\#(op)" (status, press, insert, remove, abort, events, otp, stop, reset, set, fault-add, fault-list, fault-clear, capture-start, capture-stop, keys)"#
        case .lineTooLong: "request line too long"
        case .missingFault: #"fault-add needs a "fault" object with an "action""#
        }
    }
}

extension ControlRequest {
    /// Parses a request line (without its newline).
    public init(line: [UInt8]) throws(ControlRequestError) {
        do {
            self = try ControlLine.decode(ControlRequest.self, from: line)
        } catch let error as ControlRequestError {
            throw error
        } catch {
            throw .notAnObject
        }
    }
}

extension ControlRequest: Codable {
    private enum CodingKeys: String, CodingKey {
        case op, token, button, once, account, factory, confirm, fault, file, keys
        case includeSecrets = "include-secrets"
    }

    /// Lenient as the protocol has always been: a field of the wrong type counts as absent.
    public init(from decoder: any Decoder) throws {
        let container: KeyedDecodingContainer<CodingKeys>
        do {
            container = try decoder.container(keyedBy: CodingKeys.self)
        } catch {
            throw ControlRequestError.notAnObject
        }
        guard let op = try? container.decode(String.self, forKey: .op) else { throw ControlRequestError.missingOp }
        let token = try? container.decode(String.self, forKey: .token)
        switch op {
        case "status": self = .status
        case "events": self = .events
        case "insert": self = .insert(token: token)
        case "remove": self = .remove(token: token)
        case "abort": self = .abort(token: token)
        case "otp": self = .otp(token: token, account: try? container.decode(String.self, forKey: .account))
        case "stop": self = .stop
        case "reset": self = .reset(token: token, factory: (try? container.decode(Bool.self, forKey: .factory)) ?? false)
        case "set": self = .set(confirm: try? container.decode(String.self, forKey: .confirm))
        case "fault-add":
            guard let fault = try? container.decode(ControlFault.self, forKey: .fault) else {
                throw ControlRequestError.missingFault
            }
            self = .faultAdd(token: token, fault: fault)
        case "fault-list": self = .faultList(token: token)
        case "fault-clear": self = .faultClear(token: token)
        case "capture-start":
            self = .captureStart(file: (try? container.decode(String.self, forKey: .file)) ?? "",
                                 includeSecrets: (try? container.decode(Bool.self, forKey: .includeSecrets)) ?? false)
        case "capture-stop": self = .captureStop
        case "press":
            self = .press(token: token,
                          button: (try? container.decode(String.self, forKey: .button)).flatMap(ControlButton.init(rawValue:)),
                          once: (try? container.decode(Bool.self, forKey: .once)) ?? false)
        case "keys": self = .keys(token: token, keys: (try? container.decode([String].self, forKey: .keys)) ?? [])
        default: throw ControlRequestError.unknownOp(op)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(op, forKey: .op)
        try container.encodeIfPresent(token, forKey: .token)
        if case .press(_, let button, let once) = self {
            try container.encodeIfPresent(button, forKey: .button)
            try container.encode(once, forKey: .once)
        }
        if case .otp(_, let account) = self { try container.encodeIfPresent(account, forKey: .account) }
        if case .reset(_, let factory) = self { try container.encode(factory, forKey: .factory) }
        if case .set(let confirm) = self { try container.encodeIfPresent(confirm, forKey: .confirm) }
        if case .faultAdd(_, let fault) = self {
            try container.encode(fault, forKey: .fault)
        }
        if case .captureStart(let file, let includeSecrets) = self {
            try container.encode(file, forKey: .file)
            try container.encode(includeSecrets, forKey: .includeSecrets)
        }
        if case .keys(_, let keys) = self {
            try container.encode(keys, forKey: .keys)
        }
    }
}

extension ControlRequest: CustomStringConvertible, CustomDebugStringConvertible {
    /// The request without its keys (`keys` shows how many), for any log or message.
    public var description: String {
        if case .keys(let token, let keys) = self { return "keys(token: \(token ?? "-"), \(keys.count) keys)" }
        return String(decoding: ControlLine.encode(self).dropLast(), as: UTF8.self)
    }

    public var debugDescription: String { description }
}

// MARK: - Replies

/// The reply to `status`.
public struct ControlStatus: Codable, Hashable, Sendable {
    /// One token: `busid` and `token` are both its bus id.
    public struct Token: Codable, Hashable, Sendable {
        public var token: String
        public var busid: String
        /// The serial number, hex.
        public var serial: String
        /// Whether the card is in the slot.
        public var present: Bool
        /// Whether a USB/IP client has imported the device.
        public var imported: Bool
        /// Whether the token is served to vpcd.
        public var vpcd: Bool
        /// Whether the token waits for its holder's OK / Cancel.
        public var waiting: Bool
        /// The page on the screen; `null` on the wire when the screen is dark.
        public var screen: Screen?

        public init(busid: String, serial: String, present: Bool, imported: Bool, vpcd: Bool, waiting: Bool, screen: Screen?) {
            self.token = busid
            self.busid = busid
            self.serial = serial
            self.present = present
            self.imported = imported
            self.vpcd = vpcd
            self.waiting = waiting
            self.screen = screen
        }

        private enum CodingKeys: String, CodingKey { case token, busid, serial, present, imported, vpcd, waiting, screen }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(token, forKey: .token)
            try container.encode(busid, forKey: .busid)
            try container.encode(serial, forKey: .serial)
            try container.encode(present, forKey: .present)
            try container.encode(imported, forKey: .imported)
            try container.encode(vpcd, forKey: .vpcd)
            try container.encode(waiting, forKey: .waiting)
            try container.encode(screen, forKey: .screen)   // `null`, not left out
        }
    }

    /// A screen page; `page` counts from 1.
    public struct Screen: Codable, Hashable, Sendable {
        /// Up to 4 lines of up to 16 characters.
        public var lines: [String]
        public var page: Int
        public var pages: Int

        public init(lines: [String], page: Int, pages: Int) {
            self.lines = lines
            self.page = page
            self.pages = pages
        }
    }

    /// The emulator's process id.
    public var pid: Int
    /// The state directory.
    public var state: String
    /// The USB/IP listeners: `127.0.0.1:3240`, `unix:/path`.
    public var listeners: [String]
    /// The confirmation mode: ask, approve, deny or external.
    public var confirm: String
    public var tokens: [Token]

    public init(pid: Int, state: String, listeners: [String], confirm: String, tokens: [Token]) {
        self.pid = pid
        self.state = state
        self.listeners = listeners
        self.confirm = confirm
        self.tokens = tokens
    }
}

/// A reply line: `"ok": true` with the request's fields, or `"ok": false` with `error`.
public enum ControlReply: Hashable, Sendable {
    /// `{"error":"…","ok":false}`.
    case failure(String)
    /// The reply to `status`.
    case status(ControlStatus)
    /// The reply to `events`: `{"ok":true,"subscribed":true}`.
    case subscribed
    /// The reply to `press`: whether the token still waits (OK with `once` shows the next page).
    case pressed(token: String, waiting: Bool)
    /// The reply to `insert` and `remove`: whether the card is in the slot now.
    case slot(token: String, present: Bool)
    /// The reply to `stop`: `{"ok":true,"stopping":true}`.
    case stopping
    /// The reply to `reset`: the token's serial afterwards (a new one after a factory reset).
    case reset(token: String, serial: String)
    /// The reply to `set`: the confirmation mode now in force.
    case configured(confirm: String)
    /// The reply to `fault-add`, `fault-list` and `fault-clear`: the token's fault table now.
    case faults(token: String, faults: [ControlFault])
    /// The reply to `capture-start` and `capture-stop`: whether a capture runs now, and its file
    /// (after `capture-stop`: the file just closed, `null` if none ran).
    case capture(file: String?, active: Bool)

    /// `ok`.
    public var isOK: Bool {
        if case .failure = self { return false }
        return true
    }

    /// `error`, on a failure.
    public var error: String? {
        if case .failure(let message) = self { return message }
        return nil
    }
}

/// A line that is JSON but none of the replies or events this client knows.
public struct ControlLineError: Error, Hashable, Sendable, CustomStringConvertible {
    public init() {}

    public var description: String { "the emulator sent a line that is not a control reply or event" }
}

extension ControlReply: Codable {
    private enum CodingKeys: String, CodingKey {
        case ok, error, subscribed, token, waiting, present
        case pid, state, listeners, confirm, tokens
        case stopping, serial
        case faults
        case capture, file
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard try container.decode(Bool.self, forKey: .ok) else {
            self = .failure(try container.decode(String.self, forKey: .error))
            return
        }
        if container.contains(.subscribed) {
            self = .subscribed
        } else if container.contains(.stopping) {
            self = .stopping
        } else if container.contains(.serial) {
            self = .reset(token: try container.decode(String.self, forKey: .token),
                          serial: try container.decode(String.self, forKey: .serial))
        } else if container.contains(.tokens) {
            self = .status(ControlStatus(pid: try container.decode(Int.self, forKey: .pid),
                                         state: try container.decode(String.self, forKey: .state),
                                         listeners: try container.decode([String].self, forKey: .listeners),
                                         confirm: try container.decode(String.self, forKey: .confirm),
                                         tokens: try container.decode([ControlStatus.Token].self, forKey: .tokens)))
        } else if container.contains(.capture) {
            self = .capture(file: try container.decodeIfPresent(String.self, forKey: .file),
                            active: try container.decode(Bool.self, forKey: .capture))
        } else if container.contains(.faults) {
            self = .faults(token: try container.decode(String.self, forKey: .token),
                           faults: try container.decode([ControlFault].self, forKey: .faults))
        } else if container.contains(.present) {
            self = .slot(token: try container.decode(String.self, forKey: .token),
                         present: try container.decode(Bool.self, forKey: .present))
        } else if container.contains(.confirm) {
            self = .configured(confirm: try container.decode(String.self, forKey: .confirm))
        } else if container.contains(.waiting) {
            self = .pressed(token: try container.decode(String.self, forKey: .token),
                            waiting: try container.decode(Bool.self, forKey: .waiting))
        } else {
            throw ControlLineError()
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(isOK, forKey: .ok)
        switch self {
        case .failure(let message):
            try container.encode(message, forKey: .error)
        case .status(let status):
            try container.encode(status.pid, forKey: .pid)
            try container.encode(status.state, forKey: .state)
            try container.encode(status.listeners, forKey: .listeners)
            try container.encode(status.confirm, forKey: .confirm)
            try container.encode(status.tokens, forKey: .tokens)
        case .subscribed:
            try container.encode(true, forKey: .subscribed)
        case .pressed(let token, let waiting):
            try container.encode(token, forKey: .token)
            try container.encode(waiting, forKey: .waiting)
        case .slot(let token, let present):
            try container.encode(token, forKey: .token)
            try container.encode(present, forKey: .present)
        case .stopping:
            try container.encode(true, forKey: .stopping)
        case .reset(let token, let serial):
            try container.encode(token, forKey: .token)
            try container.encode(serial, forKey: .serial)
        case .configured(let confirm):
            try container.encode(confirm, forKey: .confirm)
        case .faults(let token, let faults):
            try container.encode(token, forKey: .token)
            try container.encode(faults, forKey: .faults)
        case .capture(let file, let active):
            try container.encode(active, forKey: .capture)
            try container.encode(file, forKey: .file)
        }
    }
}

// MARK: - Events

/// An event line: `event` and `token` (the bus id), and the event's fields; pages count from 1.
public struct ControlEvent: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// A page is shown on the token's screen.
        case display(lines: [String], page: Int, pages: Int)
        /// The token waits for OK / Cancel on that page.
        case waiting(page: Int, pages: Int)
        /// The holder approved and the card signed the transfer (the counter's new value).
        case signed(counter: Int)
        /// The holder pressed Cancel.
        case denied
        /// The holder did not decide within `--confirm-timeout`.
        case timeout
        /// The host aborted the command or the card lost power while waiting.
        case aborted
        /// A wrong PIN used the last try.
        case pinBlocked
        /// The card went into the slot.
        case inserted
        /// The card left the slot.
        case removed
        /// The holder had an OATH account's code shown (the account's name; the code is in the
        /// `display` event, as on the screen).
        case otp(account: String)
        /// A fault of the token's table fired (`id` from its `fault-add`, `action` its action).
        case fault(id: Int, action: String)
        /// The token waits for a PIN on its keypad; `digits` typed so far (never the digits).
        case pinEntry(digits: Int)

        /// The `event` field.
        public var name: String {
            switch self {
            case .display: "display"
            case .waiting: "waiting"
            case .signed: "signed"
            case .denied: "denied"
            case .timeout: "timeout"
            case .aborted: "aborted"
            case .pinBlocked: "pin-blocked"
            case .inserted: "inserted"
            case .removed: "removed"
            case .otp: "otp"
            case .fault: "fault"
            case .pinEntry: "pin-entry"
            }
        }
    }

    /// The token's bus id.
    public var token: String
    public var kind: Kind

    public init(token: String, _ kind: Kind) {
        self.token = token
        self.kind = kind
    }
}

extension ControlEvent: Codable {
    private enum CodingKeys: String, CodingKey { case event, token, lines, page, pages, counter, account, id, action, digits }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        token = try container.decode(String.self, forKey: .token)
        switch try container.decode(String.self, forKey: .event) {
        case "display":
            kind = .display(lines: try container.decode([String].self, forKey: .lines),
                            page: try container.decode(Int.self, forKey: .page), pages: try container.decode(Int.self, forKey: .pages))
        case "waiting":
            kind = .waiting(page: try container.decode(Int.self, forKey: .page), pages: try container.decode(Int.self, forKey: .pages))
        case "signed": kind = .signed(counter: try container.decode(Int.self, forKey: .counter))
        case "denied": kind = .denied
        case "timeout": kind = .timeout
        case "aborted": kind = .aborted
        case "pin-blocked": kind = .pinBlocked
        case "inserted": kind = .inserted
        case "removed": kind = .removed
        case "otp": kind = .otp(account: try container.decode(String.self, forKey: .account))
        case "fault": kind = .fault(id: try container.decode(Int.self, forKey: .id), action: try container.decode(String.self, forKey: .action))
        case "pin-entry": kind = .pinEntry(digits: try container.decode(Int.self, forKey: .digits))
        default: throw ControlLineError()
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind.name, forKey: .event)
        try container.encode(token, forKey: .token)
        switch kind {
        case .display(let lines, let page, let pages):
            try container.encode(lines, forKey: .lines)
            try container.encode(page, forKey: .page)
            try container.encode(pages, forKey: .pages)
        case .waiting(let page, let pages):
            try container.encode(page, forKey: .page)
            try container.encode(pages, forKey: .pages)
        case .signed(let counter):
            try container.encode(counter, forKey: .counter)
        case .fault(let id, let action):
            try container.encode(id, forKey: .id)
            try container.encode(action, forKey: .action)
        case .denied, .timeout, .aborted, .pinBlocked, .inserted, .removed:
            break
        case .otp(let account):
            try container.encode(account, forKey: .account)
        case .pinEntry(let digits):
            try container.encode(digits, forKey: .digits)
        }
    }
}

// MARK: - Faults (issue 20)

/// One entry of a token's fault table: which complete command APDU it matches (after chaining
/// is reassembled) and what the token then does. Bytes are upper-case hex strings. A fault fires
/// on the `nth` match (counting from when it was added) and on the `times - 1` matches after it,
/// or on every match from the `nth` on with `always`; then it stays in the table, spent.
public struct ControlFault: Codable, Hashable, Sendable {
    /// The actions (`action`).
    public static let actions = ["respond", "delay", "no-answer", "silent", "remove", "disconnect", "reset", "tear",
                                 "corrupt-block", "wtx"]

    /// Given by the emulator (1, 2, … per token); ignored in `fault-add`.
    public var id: Int?
    /// CLA without the chaining bit, INS, P1 P2 (4 hex digits); `nil` matches any.
    public var cla: String?
    public var ins: String?
    public var p1p2: String?
    /// The command's first bytes (header, Lc, data as reassembled).
    public var apduPrefix: String?
    public var nth: Int?
    public var times: Int?
    public var always: Bool?
    /// One of ``actions``.
    public var action: String
    /// `respond`: the status word (4 hex digits) and whether it replaces the answer `after` the
    /// command ran (else `before`: the command is not run).
    public var sw: String?
    public var after: Bool?
    /// `delay`: milliseconds.
    public var milliseconds: Int?
    /// `wtx`: the S(WTX request) multiplier.
    public var multiplier: Int?
    /// How many times it fired (in replies).
    public var fired: Int?

    public init(action: String) {
        self.action = action
    }

    private enum CodingKeys: String, CodingKey {
        case id, cla, ins, p1p2, action, sw, after, milliseconds, multiplier, nth, times, always, fired
        case apduPrefix = "apdu-prefix"
    }
}
