import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command-line tool for a test (opensc-tool, a pyscard script, openssl) and collects
/// its output. Secrets go in `environment` or `input`, never in `arguments`. A tool that runs
/// past `timeout` is killed, so a hung peer fails the test instead of hanging it.
public struct TestProcess {
    public struct Output: CustomStringConvertible, Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// Whether the tool ran past the timeout and was killed (only with `throwOnTimeout: false`).
        public var timedOut = false
        /// stdout then stderr, for checks that don't care which stream said it.
        public var combined: String { stdout + stderr }
        public var description: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    /// Runs `arguments[0]` (absolute path) and waits for it. Standard input is `input` (a
    /// management key, an HTTP request), else /dev/null; it travels through a 0600 file in a 0700
    /// scratch directory (a pipe could fill up while nobody reads the child's output). Past
    /// `timeout` the tool is killed; that throws, or with `throwOnTimeout: false` returns what it
    /// wrote, `timedOut` set. `currentDirectory`: where the tool starts (default: this process's).
    @discardableResult
    public static func run(_ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
                           input: String? = nil, timeout: Double = 60, throwOnTimeout: Bool = true,
                           currentDirectory: String? = nil) throws -> Output {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ukey-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        var stdin: FileHandle? = nil
        if let input {
            let inURL = scratch.appendingPathComponent("stdin")
            _ = FileManager.default.createFile(atPath: inURL.path, contents: Data(input.utf8), attributes: [.posixPermissions: 0o600])
            stdin = try FileHandle(forReadingFrom: inURL)
        }
        defer {
            try? out.close()
            try? err.close()
            try? stdin?.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = environment
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        process.standardInput = stdin ?? FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        let status = waitForExit(process, exited: exited, timeout: timeout)
        let output = Output(status: status.code,
                            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "",
                            timedOut: status.timedOut)
        if status.timedOut && throwOnTimeout { throw PCSCDHarnessError("\(arguments[0]) ran past \(timeout) s and was killed\n\(output)") }
        return output
    }

    /// Waits for `process` (SIGKILL past `timeout`). Foundation's Process can miss a child's exit
    /// under load (the child stays a zombie, the termination handler never runs, and a wait on
    /// it hangs the test process), so the child is also reaped here with `waitpid(WNOHANG)`.
    /// The code is the exit status, or 128 + the signal that ended it.
    static func waitForExit(_ process: Process, exited: DispatchSemaphore, timeout: Double) -> (code: Int32, timedOut: Bool) {
        let pid = process.processIdentifier
        var deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while true {
            if exited.wait(timeout: .now() + 0.1) == .success { return (ChildProcesses.foundationStatus(process), timedOut) }
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid {
                let signal = raw & 0x7F
                return (signal == 0 ? (raw >> 8) & 0xFF : 128 + signal, timedOut)
            }
            if Date() >= deadline {
                if timedOut { return (-1, true) }       // killed and still not gone: give up waiting
                kill(pid, SIGKILL)
                timedOut = true
                deadline = Date().addingTimeInterval(10)
            }
        }
    }
}
