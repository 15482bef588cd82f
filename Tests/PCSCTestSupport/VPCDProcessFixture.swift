import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Shared by the emulator and CLI tests (`PCSCTestSupport`).
///
/// The real peer set-up with the real emulator: a private pcscd with one stock vpcd reader entry
/// on a free port pair, and `ukey emulator run --vpcd 127.0.0.1:PORT` (factory PIN and PUK from
/// the environment, a temporary state directory, USB/IP only on a private unix socket).
/// ``stop()`` (also from `deinit`) ends the emulator, then pcscd, and removes the directory.
///
/// The test process never opens a PC/SC context on this pcscd (libpcsclite keeps the first
/// socket it used): clients are processes given ``environment(_:)`` (opensc-tool, `ukey`, pyscard).
public final class VPCDProcessFixture: @unchecked Sendable {
    public static let readerFamily = "UKey vpcd proc"
    /// The factory secrets of the emulated token.
    public static let factoryPIN = "123456"
    public static let factoryPUK = "87654321"
    /// The UKey ATR as opensc-tool prints it: `3b:8b:80:…`.
    public static let atrText = PCSCTestStack.atr.map { String(format: "%02x", $0) }.joined(separator: ":")

    /// Whether stock vpcd, pcscd and opensc-tool are installed.
    public static var isAvailable: Bool {
        PCSCDHarness.isAvailable && PCSCDHarness.ReaderEntry.isVPCDInstalled
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/opensc-tool")
            && (try? EmulatorProcess.binary()) != nil
    }

    /// A private temporary directory (0700), removed by ``stop()``.
    public let directory: String
    public let pcscd: PCSCDHarness
    public let emulator: EmulatorProcess
    private let lock = NSLock()
    private var stopped = false

    public var readerName: String { PCSCDHarness.ReaderEntry.vpcdReaderName(Self.readerFamily, index: 0) }

    /// `directory/name`.
    public func file(_ name: String) -> String { directory + "/" + name }

    /// Starts pcscd and the emulator, and returns once the card answers in the reader.
    public init() throws {
        var template = Array("/tmp/ukey-vpcd-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw PCSCDHarnessError("mkdtemp failed: errno \(errno)") }
        directory = String(cString: made)
        let port: UInt16
        do {
            (port, pcscd) = try Self.startPCSCD()
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        do {
            emulator = try EmulatorProcess(
                arguments: ["--state", directory + "/state", "--listen", "unix:" + directory + "/u.sock",
                            "--vpcd", "127.0.0.1:\(port)", "--confirm", "approve"],
                environment: ["UKEY_FACTORY_PIN": Self.factoryPIN, "UKEY_FACTORY_PUK": Self.factoryPUK, "HOME": directory,
                              "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"],
                listeners: 1)
        } catch {
            pcscd.stop()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        do {
            try waitForCard()
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// A private pcscd whose vpcd reader listens on a free port pair. The port is free when
    /// chosen but may be taken before pcscd's vpcd binds it (other suites start servers on
    /// port 0 meanwhile): vpcd then logs "Address already in use" and the reader never comes up,
    /// so that start is thrown away and a new port tried, up to three times.
    private static func startPCSCD() throws -> (UInt16, PCSCDHarness) {
        for attempt in 1...3 {
            let port = try PCSCDHarness.freePortPair()
            let pcscd = try PCSCDHarness(readers: [.vpcd(name: readerFamily, port: port)])
            var lost = false
            for _ in 0..<10 where !lost {
                lost = pcscd.log.contains("Address already in use")
                if !lost { usleep(100_000) }
            }
            if !lost || attempt == 3 { return (port, pcscd) }
            pcscd.stop()
        }
        fatalError("unreachable: the third attempt returns")
    }

    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        emulator.kill()
        pcscd.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// This process's environment, this pcscd's socket and `UKEY_READER`, then `extra`.
    public func environment(_ extra: [String: String] = [:]) -> [String: String] {
        pcscd.environment.merging(["UKEY_READER": readerName]) { $1 }.merging(extra) { $1 }
    }

    @discardableResult
    public func openscTool(_ arguments: [String]) throws -> TestProcess.Output {
        try TestProcess.run(["/usr/bin/opensc-tool"] + arguments, environment: environment(), timeout: 30)
    }

    /// Waits until opensc-tool sees the UKey ATR in the reader.
    public func waitForCard(timeout: Double = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last: TestProcess.Output? = nil
        while Date() < deadline {
            let output = try openscTool(["-r", readerName, "-a"])
            if output.status == 0 && output.stdout.lowercased().contains(Self.atrText) { return }
            last = output
            usleep(100_000)
        }
        throw PCSCDHarnessError("no UKey card in \(readerName) after \(timeout) s; last opensc-tool: \(last.map { "\($0)" } ?? "-")"
                                + "\nemulator: \(emulator.output.all + emulator.errors.all)\npcscd log:\n\(pcscd.log)")
    }
}
