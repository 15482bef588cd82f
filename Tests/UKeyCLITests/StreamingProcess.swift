import Foundation
import PCSCTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A long-running command (`ukey readers --watch`) whose standard output is read line by line
/// while it runs; ``stop()`` (SIGTERM, then SIGKILL) ends it, and the test always calls it.
final class StreamingProcess: @unchecked Sendable {
    let process = Process()
    let lines = CollectedLines()
    let errors = Pipe()

    init(_ arguments: [String], environment: [String: String]) throws {
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        lines.collect(from: output.fileHandleForReading)
    }

    deinit { stop() }

    /// Waits up to `timeout` seconds until `condition` holds for the lines so far.
    func waitForLines(timeout: Double, _ condition: ([String]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(lines.all) { return true }
            guard ChildProcesses.isRunning(process) else { return condition(lines.all) }
            usleep(20_000)
        }
        return condition(lines.all)
    }

    /// SIGTERM, SIGKILL after 5 s; idempotent.
    func stop() {
        guard ChildProcesses.isRunning(process) else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while ChildProcesses.isRunning(process) && Date() < deadline { usleep(10_000) }
        if ChildProcesses.isRunning(process) { kill(process.processIdentifier, SIGKILL) }
        ChildProcesses.wait(process, timeout: 10)
    }

    /// What it wrote on standard error (after ``stop()``).
    var standardError: String {
        String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}
