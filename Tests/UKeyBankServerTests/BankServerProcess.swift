import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `ukey-bank serve --listen 127.0.0.1:0 --bank DIR` as a real process: started, its bound
/// port read from the "listening on" line of its standard output, stopped by ``stop()`` (SIGTERM,
/// then SIGKILL) — and by `deinit`, so a failing test never leaves it running.
final class BankServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    private let errorLog: URL

    /// The built `ukey-bank`: `UKEY_BANK_BINARY`, else next to the test bundle, else from
    /// `swift build --show-bin-path`.
    static func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["UKEY_BANK_BINARY"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        var candidates: [URL] = []
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("ukey-bank"))
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("ukey-bank"))
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) { return found }
        throw HTTPClientError(description: "no ukey-bank binary next to the tests (build with `swift build --build-tests`)")
    }

    /// Starts the server on `bank` and waits (up to `timeout` seconds) for its listening line.
    init(bank: URL, logLevel: String = "warning", arguments: [String] = [], timeout: Double = 120) throws {
        process.executableURL = try Self.binary()
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--bank", bank.path, "--log-level", logLevel] + arguments
        errorLog = FileManager.default.temporaryDirectory.appendingPathComponent("ukey-bank-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        let stderr = try FileHandle(forWritingTo: errorLog)
        defer { try? stderr.close() }
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The listening line, read on a thread of its own so a silent server cannot hang the test.
        let found = Mutex<Int?>(nil)
        let done = DispatchSemaphore(value: 0)
        let reader = stdout.fileHandleForReading
        Thread.detachNewThread {
            var text = ""
            while true {
                let data = reader.availableData
                if data.isEmpty { break }
                text += String(decoding: data, as: UTF8.self)
                if let range = text.range(of: "listening on http://127.0.0.1:") ?? text.range(of: "listening on https://127.0.0.1:"),
                   let line = text[range.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).first,
                   text[range.upperBound...].contains("\n"), let port = Int(line) {
                    found.withLock { $0 = port }
                    done.signal()
                    // Keep draining so the server never blocks on a full pipe.
                    while !reader.availableData.isEmpty {}
                    return
                }
            }
            done.signal()
        }
        _ = done.wait(timeout: .now() + timeout)
        guard let port = found.withLock({ $0 }) else {
            let pid = process.processIdentifier
            kill(pid, SIGKILL)
            process.waitUntilExit()
            let log = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: errorLog)
            throw HTTPClientError(description: "ukey-bank serve printed no listening line within \(timeout) s; stderr:\n\(log)")
        }
        self.port = port
    }

    /// What the server wrote to standard error so far.
    var log: String { (try? String(contentsOf: errorLog, encoding: .utf8)) ?? "" }

    /// SIGTERM, up to 10 s for a clean exit, then SIGKILL; returns the exit status.
    @discardableResult
    func stop() -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: errorLog)
    }
}
