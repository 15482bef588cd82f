import Foundation
import PCSCTestSupport
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The interop suites' own stack: `ukey emulator run` (a process, one token, transfers approved
/// without a press) on a unix socket in a private directory, and a private pcscd
/// (``PCSCDHarness``) with one reader of our driver (libifd-ukey.so) importing that token.
/// OpenSC, pkcs11-tool and p11-kit open every reader they see, so they must not see the shared
/// ``PCSCTestStack``'s tokens that other suites are using at the same time.
///
/// Every stock tool runs as a child with ``environment(_:)``: this pcscd's socket
/// (`PCSCLITE_CSOCK_NAME`), and HOME / XDG_CACHE_HOME in the stack's directory (OpenSC caches
/// card files there). The test process itself never opens a PC/SC context here. Started once
/// per test process by ``shared()`` and stopped by an `atexit` handler; a failed start is
/// remembered, and every test reports it.
final class PIVStack: @unchecked Sendable {
    static let readerFamily = "UKey PIV"
    /// The token's factory secrets, those of every test token (``PCSCTestStack``): banking PIN
    /// and PUK, and the PIV applet's PIN, PUK and 9B key (yubico-piv-tool's default).
    static let factoryPIN = PCSCTestStack.factoryPIN
    static let factoryPUK = PCSCTestStack.factoryPUK
    static let pivPIN = PCSCTestStack.factoryPIVPIN
    static let pivPUK = PCSCTestStack.factoryPIVPUK
    static let managementKey = PCSCTestStack.factoryManagementKey

    let directory: String
    let emulator: EmulatorProcess
    let pcscd: PCSCDHarness
    /// The PC/SC name of the token's reader.
    var reader: String { "\(Self.readerFamily) 00 00" }

    /// `directory/name`.
    func file(_ name: String) -> String { directory + "/" + name }

    private static let state = Mutex<Result<PIVStack, StackError>?>(nil)

    /// The process's stack, started on first use on a thread of its own (it blocks for seconds).
    static func shared() async throws -> PIVStack {
        try await PCSCTestStack.blocking {
            try state.withLock { state in
                if state == nil {
                    state = Result { () throws(StackError) in
                        do { return try PIVStack() } catch { throw StackError("the PIV interop stack did not start: \(error)") }
                    }
                    atexit { PIVStack.stopShared() }
                }
                return try state!.get()
            }
        }
    }

    static func stopShared() {
        let stack = state.withLock { try? $0?.get() }
        stack?.stop()
    }

    private init() throws {
        var template = Array("/tmp/ukey-piv-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw StackError("mkdtemp failed: errno \(errno)") }
        directory = String(cString: made)
        try FileManager.default.createDirectory(atPath: directory + "/home", withIntermediateDirectories: true)
        let secrets = ["UKEY_FACTORY_PIN": Self.factoryPIN, "UKEY_FACTORY_PUK": Self.factoryPUK,
                       "UKEY_FACTORY_PIV_PIN": Self.pivPIN, "UKEY_FACTORY_PIV_PUK": Self.pivPUK,
                       "UKEY_FACTORY_MGMKEY": Self.managementKey, "HOME": directory + "/home",
                       "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        do {
            // `--confirm approve`: the bank test has the token sign a genuine transfer.
            emulator = try EmulatorProcess(arguments: ["--state", directory + "/state", "--listen", "unix:\(directory)/usbip.sock",
                                                       "--tokens", "1", "--confirm", "approve"],
                                           environment: secrets, listeners: 1)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        do {
            guard let driver = EmulatorProcess.driverLibrary else { throw StackError("no libifd-ukey.so in this build") }
            let entry = PCSCDHarness.ReaderEntry(friendlyName: Self.readerFamily,
                                                 deviceName: "usbip:\(emulator.addresses[0])/1-1", libraryPath: driver)
            pcscd = try PCSCDHarness(readers: [entry], debug: false)
        } catch {
            emulator.kill()
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

    /// Ends pcscd and the emulator, and removes the directory.
    func stop() {
        pcscd.stop()
        _ = emulator.terminate(timeout: 5)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A clean environment for a stock tool: PATH, LANG=C, this pcscd, a private HOME and
    /// cache, `UKEY_READER` for `ukey`, then `extra` (GNUTLS_PIN, UKEY_PIN, …). Nothing else of
    /// the test process's environment leaks in (a SOFTHSM2_CONF or OPENSSL_CONF would change
    /// what the tools do).
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C", "PCSCLITE_CSOCK_NAME": pcscd.socketPath,
         "HOME": directory + "/home", "XDG_CACHE_HOME": directory + "/home/.cache", "UKEY_READER": reader]
            .merging(extra) { $1 }
    }

    /// Runs a tool (absolute path first) in ``environment(_:)``.
    @discardableResult
    func run(_ arguments: [String], input: String? = nil, environment extra: [String: String] = [:],
             timeout: Double = 60) throws -> TestProcess.Output {
        try TestProcess.run(arguments, environment: environment(extra), input: input, timeout: timeout)
    }

    /// `ukey ARGUMENTS` (the binary of this build) against this pcscd.
    @discardableResult
    func ukey(_ arguments: [String], environment extra: [String: String] = [:], timeout: Double = 60) throws -> TestProcess.Output {
        try run([try EmulatorProcess.binary().path] + arguments, environment: extra, timeout: timeout)
    }

    /// Waits until opensc-tool sees a card with an ATR in the reader.
    private func waitForCard(timeout: Double = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last: TestProcess.Output?
        while Date() < deadline {
            let output = try run([PIVTools.openscTool, "-r", reader, "-a"], timeout: 30)
            if output.status == 0 && output.stdout.lowercased().contains("3b:") { return }
            last = output
            usleep(100_000)
        }
        throw StackError("no card in \(reader) after \(timeout) s; last opensc-tool -a: \(last.map { "\($0)" } ?? "-")"
                         + "\nemulator: \(emulator.output.all + emulator.errors.all)\npcscd log:\n\(pcscd.log.suffix(3000))")
    }
}
