import Foundation
import PCSCTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A stock tool that keeps running while the test talks to it: `openssl s_server`, or the PyKCS11
/// script that holds a logged-in session across another process's banking commands. Its output
/// is collected line by line; ``send(_:)`` writes a line to its standard input. ``stop()`` (also
/// from `deinit`) kills it, so it never outlives a failed test.
final class BackgroundTool: @unchecked Sendable {
    let process = Process()
    let output = CollectedLines()
    let errors = CollectedLines()
    private let input = Pipe()
    let name: String

    init(_ arguments: [String], environment: [String: String]) throws {
        name = URL(fileURLWithPath: arguments[0]).lastPathComponent
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = environment
        let stdout = Pipe(), stderr = Pipe()
        process.standardInput = input
        process.standardOutput = stdout
        process.standardError = stderr
        output.collect(from: stdout.fileHandleForReading)
        errors.collect(from: stderr.fileHandleForReading)
        try process.run()
    }

    deinit { stop() }

    /// Waits up to `timeout` seconds for a line starting with `prefix`; the rest of that line.
    func waitForLine(startingWith prefix: String, timeout: Double = 60) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let line = output.all.first(where: { $0.hasPrefix(prefix) }) { return String(line.dropFirst(prefix.count)) }
            if !ChildProcesses.isRunning(process) {
                // It may have printed the line just before it ended.
                if let line = output.all.first(where: { $0.hasPrefix(prefix) }) { return String(line.dropFirst(prefix.count)) }
                throw StackError("\(name) ended (status \(ChildProcesses.status(process) ?? -1)) before printing \"\(prefix)\"\n\(transcript)")
            }
            usleep(20_000)
        }
        throw StackError("\(name) printed no \"\(prefix)\" line within \(timeout) s\n\(transcript)")
    }

    /// Writes `line` and a newline to the tool's standard input.
    func send(_ line: String) throws {
        try input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Waits up to `timeout` seconds for the end; the exit status, nil if it still runs.
    func wait(timeout: Double) -> Int32? { ChildProcesses.wait(process, timeout: timeout) }

    /// What the tool printed, for failure messages.
    var transcript: String { "stdout:\n\(output.all.joined(separator: "\n"))\nstderr:\n\(errors.all.joined(separator: "\n"))" }

    /// SIGKILL if still running, then waits for the end.
    func stop() {
        if ChildProcesses.isRunning(process) {
            kill(process.processIdentifier, SIGKILL)
            ChildProcesses.wait(process, timeout: 10)
        }
        try? input.fileHandleForWriting.close()
    }
}
