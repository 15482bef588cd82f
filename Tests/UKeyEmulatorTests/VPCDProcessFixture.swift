import PCSCTestSupport
import Foundation

/// The real peer set-up with the real emulator: a private pcscd with one stock vpcd reader entry
/// on a free port pair, and `ukey emulator run --vpcd 127.0.0.1:PORT` (factory PIN and PUK from
/// the environment, a temporary state directory, USB/IP only on a private unix socket).
/// ``stop()`` (also from `deinit`) ends the emulator, then pcscd, and removes the directory.
final class VPCDProcessFixture: @unchecked Sendable {
    static let readerFamily = "UKey vpcd proc"

    let directory: TemporaryDirectory
    let pcscd: PCSCDHarness
    let emulator: EmulatorProcess
    private let lock = NSLock()
    private var stopped = false

    var readerName: String { PCSCDHarness.ReaderEntry.vpcdReaderName(Self.readerFamily, index: 0) }

    /// Starts pcscd and the emulator, and returns once the card answers in the reader.
    init() throws {
        directory = try TemporaryDirectory()
        let port: UInt16
        do {
            port = try PCSCDHarness.freePortPair()
            pcscd = try PCSCDHarness(readers: [.vpcd(name: Self.readerFamily, port: port)])
        } catch {
            directory.remove()
            throw error
        }
        do {
            emulator = try EmulatorProcess(
                arguments: ["--state", directory.file("state"), "--listen", "unix:" + directory.file("u.sock"),
                            "--vpcd", "127.0.0.1:\(port)",
                            "--confirm", "approve"],
                environment: EmulatorProcessTests.environment(directory), listeners: 1)
        } catch {
            pcscd.stop()
            directory.remove()
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

    func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        emulator.kill()
        pcscd.stop()
        directory.remove()
    }

    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        pcscd.environment.merging(["UKEY_READER": readerName]) { $1 }.merging(extra) { $1 }
    }

    @discardableResult
    func openscTool(_ arguments: [String]) throws -> TestProcess.Output {
        try TestProcess.run(["/usr/bin/opensc-tool"] + arguments, environment: environment(), timeout: 30)
    }

    func script(_ name: String, _ arguments: [String] = [], environment extra: [String: String] = [:]) throws -> TestProcess.Output {
        try TestProcess.run([VPCDTestToken.python, VPCDTestToken.scripts.appendingPathComponent(name).path] + arguments,
                            environment: environment(extra), timeout: 120)
    }

    /// Waits until opensc-tool sees the UKey ATR in the reader.
    func waitForCard(timeout: Double = 15) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last: TestProcess.Output? = nil
        while Date() < deadline {
            let output = try openscTool(["-r", readerName, "-a"])
            if output.status == 0 && output.stdout.lowercased().contains(VPCDTestToken.atrText) { return }
            last = output
            usleep(100_000)
        }
        throw PCSCDHarnessError("no UKey card in \(readerName) after \(timeout) s; last opensc-tool: \(last.map { "\($0)" } ?? "-")"
                                + "\nemulator: \(emulator.output.all + emulator.errors.all)\npcscd log:\n\(pcscd.log)")
    }
}
