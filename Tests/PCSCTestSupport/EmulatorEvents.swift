import Foundation
import POSIX

/// A subscription to an emulator process's token events (`{"op":"events"}` on `DIR/control.sock`,
/// README "Emulator control socket"): what a test waits for instead of polling `ukey emulator
/// status` against a fixed deadline, which a loaded machine overruns (each poll starts a process).
/// Subscribe before starting what causes the event, so that none is missed.
///
/// Blocking; one thread at a time. The lines are read as JSON objects (this target does not
/// depend on UKeyControl).
public final class EmulatorEvents: @unchecked Sendable {
    /// How long a wait goes on when neither the event nor the end of the work comes: a guard
    /// against a hang, not an expectation about time (a transfer confirmation times out after
    /// 120 s on the token; a loaded machine may take minutes to get there).
    public static let hangGuard: Double = 300

    private let socket: ConnectedSocket
    private var pending: [UInt8] = []

    /// Connects to the control socket of the emulator with state directory `stateDirectory` and
    /// subscribes.
    public init(stateDirectory: String) throws {
        do {
            socket = try ConnectedSocket.connect(unixPath: stateDirectory + "/control.sock", milliseconds: 30_000)
            try socket.sendAll(Array(#"{"op":"events"}"#.utf8) + [0x0A])
        } catch {
            throw StackError("events subscription on \(stateDirectory)/control.sock: \(error)")
        }
        guard let reply = try nextObject(until: Date().addingTimeInterval(Self.hangGuard), stop: { false }),
              reply["subscribed"] as? Bool == true else {
            socket.close()
            throw StackError("the emulator refused the events subscription")
        }
    }

    deinit { socket.close() }

    /// Waits for event `name` (`waiting`, `signed`, `removed`, …) of token `busid` and returns
    /// its object. It gives up, throwing, when `stop()` becomes true first (the work that should
    /// cause the event has ended: its own result says why), the emulator closes the socket, or
    /// ``hangGuard`` passes.
    @discardableResult
    public func wait(for name: String, token busid: String, stop: () -> Bool = { false }) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(Self.hangGuard)
        while let object = try nextObject(until: deadline, stop: stop) {
            if object["event"] as? String == name && object["token"] as? String == busid { return object }
        }
        throw StackError(stop() ? "token \(busid): the work ended before the \(name) event"
                                : "token \(busid): no \(name) event (the emulator closed the socket or \(Int(Self.hangGuard)) s passed)")
    }

    /// Waits until token `busid` waits for its holder: already (the `status` reply, asked after
    /// subscribing, says so) or at its next `waiting` event (a confirmation) or `pin-entry` event
    /// (a PIN asked on its keypad, which sends no `waiting`). No poll, and no window between the two
    /// in which the event could be missed.
    public func waitUntilWaiting(token busid: String, stop: () -> Bool = { false }) throws {
        do {
            try socket.sendAll(Array(#"{"op":"status"}"#.utf8) + [0x0A])
        } catch {
            throw StackError("events: \(error)")
        }
        let deadline = Date().addingTimeInterval(Self.hangGuard)
        while let object = try nextObject(until: deadline, stop: stop) {
            if let tokens = object["tokens"] as? [[String: Any]] {
                if tokens.contains(where: { $0["busid"] as? String == busid && $0["waiting"] as? Bool == true }) { return }
            } else if ["waiting", "pin-entry"].contains(object["event"] as? String) && object["token"] as? String == busid {
                return
            }
        }
        throw StackError(stop() ? "token \(busid): the work ended before the token waited for its holder"
                                : "token \(busid) never waited for its holder (the emulator closed the socket or \(Int(Self.hangGuard)) s passed)")
    }

    /// The next JSON object line; nil at the end of the stream, at `deadline`, or once `stop()`.
    private func nextObject(until deadline: Date, stop: () -> Bool) throws -> [String: Any]? {
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = Data(pending[..<newline])
                pending.removeSubrange(...newline)
                if let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] { return object }
                continue
            }
            if stop() || Date() >= deadline { return nil }
            // Short slices only so that `stop()` is looked at; the event itself wakes the poll.
            guard socket.waitReadable(milliseconds: 200) else { continue }
            let bytes: [UInt8]
            do {
                bytes = try socket.receive()
            } catch {
                throw StackError("events: \(error)")
            }
            if bytes.isEmpty { return nil }
            pending += bytes
        }
    }
}

extension PCSCTestStack {
    /// A subscription to this stack's emulator's token events.
    public func events() throws -> EmulatorEvents {
        try EmulatorEvents(stateDirectory: stateDirectory)
    }
}
