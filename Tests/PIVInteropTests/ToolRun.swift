import Foundation
import PCSCTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Runs a stock tool (opensc-tool, pkcs11-tool, yubico-piv-tool, openssl, curl, gnutls-cli) as a
/// child process for a test: standard input from `input` (a management key, an HTTP request),
/// output collected, killed past `timeout` so a hung tool fails the test instead of hanging it.
///
/// ``TestProcess`` gives its children /dev/null as standard input; these tools read secrets and
/// requests from it, so input travels through a 0600 file in a private directory (a pipe could
/// fill up while nobody reads the child's output).
enum ToolRun {
    static func run(_ arguments: [String], environment: [String: String], input: String? = nil,
                    timeout: Double = 60) throws -> ToolOutput {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ukey-tool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        let inURL = scratch.appendingPathComponent("stdin")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: inURL.path, contents: Data((input ?? "").utf8),
                                           attributes: [.posixPermissions: 0o600])
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let stdin = try FileHandle(forReadingFrom: inURL)
        defer {
            try? out.close()
            try? err.close()
            try? stdin.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = environment
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        process.standardOutput = out
        process.standardError = err
        try process.run()
        var status = ChildProcesses.wait(process, timeout: timeout)
        let timedOut = status == nil
        if timedOut {
            kill(process.processIdentifier, SIGKILL)
            status = ChildProcesses.wait(process, timeout: 10)
        }
        let output = ToolOutput(status: status ?? -1,
                                        stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                                        stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "",
                                        timedOut: timedOut)
        if timedOut { throw StackError("\(arguments.prefix(3).joined(separator: " ")) ran past \(timeout) s and was killed\n\(output)") }
        return output
    }
}

/// What a tool did: its exit status (128 + signal when a signal ended it) and output.
struct ToolOutput: CustomStringConvertible, Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut = false
    /// stdout then stderr, for checks that don't care which stream said it.
    var combined: String { stdout + stderr }
    var description: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
}
