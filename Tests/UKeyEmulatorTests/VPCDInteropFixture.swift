import PCSCTestSupport
import Foundation
import HostPlatform
import UKeyEmulator

/// The real peer set-up: a private pcscd with one stock vpcd reader entry on a free port, an
/// in-process token (factory PIN 123456) and a ``VPCDLink`` connecting it to vpcd. ``stop()``
/// (also from `deinit`) ends the link and pcscd.
final class VPCDInteropFixture: @unchecked Sendable {
    static let readerFamily = "UKey vpcd"

    let port: UInt16
    let card: InProcessVPCDCard<MemoryNVM>
    let link: VPCDLink
    let trace = VPCDTraceLog()
    private(set) var pcscd: PCSCDHarness

    /// The PC/SC name of the reader the token sits in (vpcd's first reader, on `port`).
    var readerName: String { PCSCDHarness.ReaderEntry.vpcdReaderName(Self.readerFamily, index: 0) }

    /// Whether everything the interop tests run is installed.
    static var isAvailable: Bool {
        PCSCDHarness.isAvailable && PCSCDHarness.ReaderEntry.isVPCDInstalled
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/opensc-tool")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
            && FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/smartcard/__init__.py")
    }

    /// Starts pcscd and the link, and returns once the token answers in the reader.
    init(reconnect: VPCDReconnectPolicy = VPCDReconnectPolicy(initialDelay: 50, maximumDelay: 250)) throws {
        port = try PCSCDHarness.freePortPair()
        pcscd = try PCSCDHarness(readers: [.vpcd(name: Self.readerFamily, port: port)])
        card = try VPCDTestToken.card()
        link = VPCDLink(endpoint: VPCDEndpoint(host: "127.0.0.1", port: port), card: card,
                        reconnect: reconnect, trace: trace.handler)
        link.start()
        do {
            try waitForCard()
        } catch {
            stop()
            throw error
        }
    }

    deinit {
        stop()
    }

    func stop() {
        link.stop()
        pcscd.stop()
    }

    /// A PC/SC client's environment: this process's plus `PCSCLITE_CSOCK_NAME`, and `extra`
    /// (PINs for the scripts).
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        pcscd.environment.merging(["UKEY_READER": readerName]) { $1 }.merging(extra) { $1 }
    }

    /// `opensc-tool ARGUMENTS` against the private pcscd.
    @discardableResult
    func openscTool(_ arguments: [String]) throws -> TestProcess.Output {
        try TestProcess.run(["/usr/bin/opensc-tool"] + arguments, environment: environment(), timeout: 30)
    }

    /// A script from Scripts/ run with /usr/bin/python3.
    func script(_ name: String, _ arguments: [String] = [], environment extra: [String: String] = [:],
                timeout: Double = 120) throws -> TestProcess.Output {
        let path = VPCDTestToken.scripts.appendingPathComponent(name).path
        return try TestProcess.run([VPCDTestToken.python, path] + arguments, environment: environment(extra),
                                       timeout: timeout)
    }

    /// Stops pcscd (vpcd goes with it) and starts a new one with the same reader entry.
    func restartPCSCD() throws {
        pcscd.stop()
        pcscd = try PCSCDHarness(readers: [.vpcd(name: Self.readerFamily, port: port)])
    }

    /// Waits until opensc-tool sees a card with the UKey ATR in the reader.
    func waitForCard(timeout: Double = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last: TestProcess.Output? = nil
        while Date() < deadline {
            let output = try openscTool(["-r", readerName, "-a"])
            if output.status == 0 && output.stdout.lowercased().contains(VPCDTestToken.atrText) { return }
            last = output
            usleep(100_000)
        }
        throw PCSCDHarnessError("no UKey card in \(readerName) after \(timeout) s; last opensc-tool: \(last.map { "\($0)" } ?? "-")"
                                + "\nlink trace:\n\(trace.text)\npcscd log:\n\(pcscd.log)")
    }
}
