import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Shared by the emulator tests and the PCSC tests (`PCSCTestSupport`).
///
/// `ukey emulator run` as a real process: the built binary (next to the test bundle, or from
/// `swift build --show-bin-path`), started with arguments and environment, its stdout read for
/// the "usbip listening on" lines. ``terminate()`` sends SIGTERM and waits; ``kill()`` is the
/// fallback every test runs on its way out.
public final class EmulatorProcess: @unchecked Sendable {
    public let process = Process()
    public let output = CollectedLines()
    public let errors = CollectedLines()
    /// The addresses the emulator reported.
    public private(set) var addresses: [String] = []

    /// The `ukey` executable.
    public static func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["UKEY_BINARY"] { return URL(fileURLWithPath: path) }
        var candidates: [URL] = []
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("ukey"))
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("ukey"))
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) { return found }
        let swift = Process()
        swift.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        swift.arguments = ["swift", "build", "--show-bin-path"]
        let pipe = Pipe()
        swift.standardOutput = pipe
        try swift.run()
        swift.waitUntilExit()
        let path = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let url = URL(fileURLWithPath: path).appendingPathComponent("ukey")
        guard FileManager.default.isExecutableFile(atPath: url.path) else { throw PCSCDHarnessError("no ukey binary found") }
        return url
    }

    /// The built driver: `UKEY_DRIVER_LIBRARY`, else `libifd-ukey.so` next to the `ukey` binary
    /// of this build.
    public static var driverLibrary: String? {
        if let path = ProcessInfo.processInfo.environment["UKEY_DRIVER_LIBRARY"] { return path }
        guard let binary = try? binary() else { return nil }
        let path = binary.deletingLastPathComponent().appendingPathComponent("libifd-ukey.so").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Starts `ukey emulator run ARGUMENTS` (in `currentDirectory`, default this process's) and
    /// waits until it printed `listeners` listening lines.
    public init(arguments: [String], environment: [String: String], listeners: Int, currentDirectory: String? = nil) throws {
        process.executableURL = try Self.binary()
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        process.arguments = ["emulator", "run"] + arguments
        process.environment = environment
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        Self.collect(stdout.fileHandleForReading, into: output)
        Self.collect(stderr.fileHandleForReading, into: errors)
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let found = output.all.compactMap { line -> String? in
                guard let range = line.range(of: "usbip listening on ") else { return nil }
                return String(line[range.upperBound...])
            }
            if found.count >= listeners {
                addresses = found
                return
            }
            guard ChildProcesses.isRunning(process) else { break }
            usleep(20_000)
        }
        kill()
        throw PCSCDHarnessError("the emulator did not start: \(errors.all.joined(separator: " | "))")
    }

    private static func collect(_ handle: FileHandle, into lines: CollectedLines) {
        lines.collect(from: handle)
    }

    /// SIGTERM, then waits up to `timeout` seconds; returns the exit status (nil: still running,
    /// killed).
    public func terminate(timeout: Double = 10) -> Int32? {
        guard ChildProcesses.isRunning(process) else { return ChildProcesses.status(process) }
        Glibc.kill(process.processIdentifier, SIGTERM)
        if let status = ChildProcesses.wait(process, timeout: timeout) { return status }
        kill()
        return nil
    }

    /// SIGKILL if still running, then waits (10 s at most) for the end.
    public func kill() {
        if ChildProcesses.isRunning(process) {
            Glibc.kill(process.processIdentifier, SIGKILL)
            ChildProcesses.wait(process, timeout: 10)
        }
    }
}
