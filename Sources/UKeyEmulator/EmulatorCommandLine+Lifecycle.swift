import Foundation
import UKeyControl
#if canImport(Glibc)
import Glibc
#endif

/// `ukey emulator stop`, `wait`, `status --token` and `run --ready-fd`: what a CI script needs to
/// start an emulator, know when it serves, look at one token and stop it.
extension EmulatorCommandLine {
    /// How often `wait` and `stop` look again.
    static let pollInterval: useconds_t = 50_000

    /// `run --ready-fd N`: once the listeners and the control socket are bound (clients that
    /// connect from now on are served), writes one line `ready LISTENER…` to descriptor `fd` and
    /// closes it, as s6's notification-fd: the reader sees the line, or end of file if the
    /// emulator failed to start.
    public static func signalReady(fd: Int32, listeners: [String]) {
        let line = Array((["ready"] + listeners).joined(separator: " ").utf8) + [0x0A]
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    /// `ukey emulator status [--token T]`: the status; with `token` only that token (by bus id
    /// or serial, any case), an error when the emulator has no such token.
    public static func status(stateDirectory: String?, token: String?, json: Bool) -> Int32 {
        do {
            var reply = try ControlClient(stateDirectory: stateDirectory).request(.status)
            if case .status(var status) = reply, let token, !token.isEmpty {
                status.tokens = status.tokens.filter { $0.busid == token || $0.serial.caseInsensitiveCompare(token) == .orderedSame }
                reply = status.tokens.isEmpty ? .failure("no token \(token)") : .status(status)
            }
            return print(reply, json: json)
        } catch {
            reportFailure(error, json: json)
            return 1
        }
    }

    /// `ukey emulator wait [--timeout S]`: returns 0 as soon as an emulator answers `status` on
    /// the control socket of `stateDirectory`, 1 after `timeout` seconds without one.
    public static func wait(stateDirectory: String?, timeout: Double, json: Bool) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        var lastError: EmulatorError?
        repeat {
            do {
                let reply = try ControlClient(stateDirectory: stateDirectory).request(.status)
                if reply.isOK {
                    if json { Swift.print(ControlFormatter.json(reply)) }
                    return 0
                }
            } catch {
                lastError = error
            }
            usleep(pollInterval)
        } while Date() < deadline
        reportFailure(.control("no emulator answered within \(timeoutText(timeout)) s"
                               + (lastError.map { " (\($0))" } ?? "")), json: json)
        return 1
    }

    /// `ukey emulator stop [--timeout S]`: asks the emulator to stop (control op `stop`) and
    /// returns once it has released its state directory (its lock is free: the same `--state`
    /// can start again), or 1 after `timeout` seconds.
    public static func stop(stateDirectory: String?, timeout: Double, json: Bool,
                            environment: [String: String] = ProcessInfo.processInfo.environment) -> Int32 {
        let directory = stateDirectory ?? StateDirectory.defaultPath(environment: environment)
        do {
            let reply = try ControlClient(stateDirectory: directory).request(.stop)
            guard reply.isOK else { return print(reply, json: json) }
        } catch {
            reportFailure(error, json: json)
            return 1
        }
        let deadline = Date().addingTimeInterval(timeout)
        while !lockIsFree(directory) {
            guard Date() < deadline else {
                reportFailure(.control("the emulator of \(directory) still runs after \(timeoutText(timeout)) s"), json: json)
                return 1
            }
            usleep(pollInterval)
        }
        return print(.stopping, json: json)
    }

    /// Whether nobody holds `DIR/lock` (a running emulator holds it exclusively).
    private static func lockIsFree(_ directory: String) -> Bool {
        let fd = open(directory + "/lock", O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return true }
        defer { close(fd) }
        return flock(fd, LOCK_SH | LOCK_NB) == 0
    }

    private static func timeoutText(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }

    /// Prints a reply as `control` does; returns the exit status.
    private static func print(_ reply: ControlReply, json: Bool) -> Int32 {
        if json {
            Swift.print(ControlFormatter.json(reply))
        } else if case .failure(let message) = reply {
            FileHandle.standardError.write(Data("ukey emulator: \(message)\n".utf8))
        } else if case .status(let status) = reply {
            Swift.print(ControlFormatter.status(status))
        } else {
            Swift.print(ControlFormatter.result(reply))
        }
        return reply.isOK ? 0 : 1
    }
}
