import CardOS
import Foundation
import TokenDevice
import UKeyControl
#if canImport(Glibc)
import Glibc
#endif

/// One connection to `control.sock`: ``ControlRequest`` lines in, ``ControlReply`` lines out
/// (UKeyControl's types). Each request line gets one reply line; after `{"op":"events"}` the
/// connection also receives one ``ControlEvent`` line per token event until it closes.
///
/// Reactor thread only.
final class ControlSession {
    /// A subscriber that lets this much output pile up is dropped.
    static let maxBacklog = 1 << 20

    let connection: StreamConnection
    /// Whether token events are sent to this connection.
    var subscribed = false
    private var input: [UInt8] = []

    init(connection: StreamConnection) {
        self.connection = connection
    }

    /// Appends received bytes and returns the complete lines; `nil` if a line is longer than
    /// ``ControlLine/maxLength``.
    func lines(from bytes: [UInt8]) -> [[UInt8]]? {
        input += bytes
        var lines: [[UInt8]] = []
        while let newline = input.firstIndex(of: 0x0A) {
            lines.append(Array(input[..<newline]))
            input.removeFirst(newline + 1)
        }
        return input.count > ControlLine.maxLength ? nil : lines
    }

    /// Queues one reply or event as a line. Returns false when the peer is too far behind.
    @discardableResult
    func send(_ line: some Encodable) -> Bool {
        guard connection.pendingOutputCount < ControlSession.maxBacklog else { return false }
        return connection.enqueue(ControlLine.encode(line))
    }
}

/// The requests of the control socket (README, "Emulator control socket"): `status`, `press`,
/// `insert`, `remove`, `abort`, `events`, `keys`. Every reply has `ok`; a failure has `error` as
/// well. Nothing here logs a request line (`keys` may carry digits).
extension Emulator {
    func handleControl(_ line: [UInt8], from session: ControlSession) -> ControlReply {
        let request: ControlRequest
        do {
            request = try ControlRequest(line: line)
        } catch {
            return .failure(error.description)
        }
        switch request {
        case .status:
            return .status(status())
        case .events:
            session.subscribed = true
            return .subscribed
        case .press(let name, let button, let once):
            return withToken(named: name) { press($0, button: button, once: once) }
        case .insert(let name):
            return withToken(named: name) { slot($0, insert: true) }
        case .remove(let name):
            return withToken(named: name) { slot($0, insert: false) }
        case .abort(let name):
            return withToken(named: name) { abort($0) }
        case .otp(let name, let account):
            return withToken(named: name) { showOTP($0, account: account) }
        case .stop:
            configuration.diagnostics("ukey emulator: stop requested on the control socket, stopping")
            reactor.stop()   // after this iteration, which sends the reply
            return .stopping
        case .reset(let name, let factory):
            return withToken(named: name) { factory ? factoryReset($0) : powerCycle($0) }
        case .set(let confirm):
            return setConfirmation(confirm)
        case .faultAdd(let name, let fault):
            return withToken(named: name) { addFault(fault, to: $0) }
        case .faultList(let name):
            return withToken(named: name) { .faults(token: $0.busid, faults: $0.faults.listed) }
        case .faultClear(let name):
            return withToken(named: name) { clearFaults($0) }
        case .captureStart(let file, let includeSecrets):
            return handleCapture(start: file, includeSecrets: includeSecrets)
        case .captureStop:
            return handleCapture(start: nil, includeSecrets: false)
        case .keys(let name, let keys):
            return withToken(named: name) { type(keys, on: $0) }
        }
    }

    /// The holder picks an OATH account on the token and reads its code on the screen.
    private func showOTP(_ token: EmulatedToken, account: String?) -> ControlReply {
        guard !token.isWaiting else { return .failure("token \(token.busid) waits for a confirmation") }
        do {
            try token.device.firmware.oath.showCode(account: account.map { Array($0.utf8) })
        } catch {
            switch error {
            case .locked: return .failure("the OATH applet has a password: its codes show only on the computer")
            case .noSuchAccount: return .failure(account.map { "no OATH account \"\($0)\"" } ?? "no OATH account")
            case .noClock: return .failure("the token's clock is not set")
            case .failed: return .failure("the code could not be calculated")
            }
        }
        return .pressed(token: token.busid, waiting: false)
    }

    /// `body`'s reply for the token named `name`, or the failure that says which token to name.
    func withToken(named name: String?, _ body: (EmulatedToken) -> ControlReply) -> ControlReply {
        guard let token = token(named: name) else {
            return .failure(name == nil || name == ""
                ? "\(tokens.count) tokens: say which with \"token\" (a bus id or a serial)"
                : "no token \(name!)")
        }
        return body(token)
    }

    private func status() -> ControlStatus {
        ControlStatus(
            pid: Int(getpid()),
            state: stateDirectory,
            listeners: listenerAddresses,
            confirm: confirmation.rawValue,
            tokens: tokens.map { token in
                ControlStatus.Token(busid: token.busid, serial: token.serialHex, present: token.device.isCardPresent,
                                    imported: token.session != nil, vpcd: token.cardPort != nil, waiting: token.isWaiting,
                                    screen: token.screen.map {
                                        ControlStatus.Screen(lines: $0.lines, page: $0.page + 1, pages: $0.pageCount)
                                    })
            })
    }

    private func press(_ token: EmulatedToken, button: ControlButton?, once: Bool) -> ControlReply {
        let pressed: Button
        switch button {
        case .ok?: pressed = .ok
        case .cancel?: pressed = .cancel
        case nil: return .failure(#""button" must be "ok" or "cancel""#)
        }
        guard token.press(pressed, throughEveryPage: !once) else {
            return .failure("token \(token.busid) is not waiting for a confirmation")
        }
        pump(token)
        return .pressed(token: token.busid, waiting: token.isWaiting)
    }

    /// `keys`: presses on the token's keypad, all or none: every name is checked first. The
    /// keys are never logged or echoed; an unknown one is refused by its position only.
    private func type(_ names: [String], on token: EmulatedToken) -> ControlReply {
        var keys: [KeypadKey] = []
        for (index, name) in names.enumerated() {
            guard let key = KeypadKey(name: name) else {
                return .failure("key \(index + 1) is not 0–9, ok, cancel or clear; no key was pressed")
            }
            keys.append(key)
        }
        guard !keys.isEmpty else { return .failure(#""keys" must list at least one key"#) }
        guard token.device.isWaitingForPIN else {
            return .failure("token \(token.busid) is not waiting for a PIN on its keypad")
        }
        for key in keys where token.device.isWaitingForPIN { token.device.press(key: key) }
        pump(token)
        return .pressed(token: token.busid, waiting: token.device.isWaitingForPIN || token.isWaiting)
    }

    /// `abort`: the token stops waiting, its command ends as aborted, the answer goes out now.
    private func abort(_ token: EmulatedToken) -> ControlReply {
        guard token.device.cancelConfirmation() else {
            return .failure("token \(token.busid) is not waiting for a confirmation")
        }
        pump(token)
        return .pressed(token: token.busid, waiting: token.isWaiting)
    }

    private func slot(_ token: EmulatedToken, insert: Bool) -> ControlReply {
        let wasPresent = token.device.isCardPresent
        if insert { token.device.insertCard() } else { token.device.removeCard() }
        pump(token)
        if wasPresent != insert {
            broadcast(ControlEvent(token: token.busid, insert ? .inserted : .removed))
        }
        return .slot(token: token.busid, present: token.device.isCardPresent)
    }
}
