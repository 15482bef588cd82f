import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Whether a child process has ended, asked of the kernel as well as of Foundation.
///
/// Under load Foundation's `Process` can miss a child's exit: the child stays a zombie,
/// `isRunning` stays true and `waitUntilExit()` never returns — which once hung a whole test
/// process. So test support waits through here: Foundation's answer when it has one, else
/// `waitpid(WNOHANG)`, whose result is remembered (a child is reaped once). Statuses are the
/// shell's: the exit code, or 128 + the signal that ended the process.
public enum ChildProcesses {
    private static let reaped = Mutex<[ObjectIdentifier: Int32]>([:])

    /// The exit status of `process` (128 + signal when a signal ended it), or nil while it runs.
    public static func status(_ process: Process) -> Int32? {
        let key = ObjectIdentifier(process)
        if let status = reaped.withLock({ $0[key] }) { return status }
        if !process.isRunning { return foundationStatus(process) }
        var raw: Int32 = 0
        guard waitpid(process.processIdentifier, &raw, WNOHANG) == process.processIdentifier else { return nil }
        let signal = raw & 0x7F
        let status = signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
        reaped.withLock { $0[key] = status }
        return status
    }

    /// Foundation's status of an ended process in the shell's terms (128 + signal).
    static func foundationStatus(_ process: Process) -> Int32 {
        process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Whether `process` still runs.
    public static func isRunning(_ process: Process) -> Bool { status(process) == nil }

    /// Waits up to `timeout` seconds for `process` to end; its status, or nil if it still runs.
    @discardableResult
    public static func wait(_ process: Process, timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let status = status(process) { return status }
            guard Date() < deadline else { return nil }
            usleep(10_000)
        }
    }
}
