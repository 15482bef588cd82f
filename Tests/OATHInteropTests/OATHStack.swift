import Foundation
import PCSCTestSupport
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The OATH interop suite's own stack: `ukey emulator run` (a process, one token, presses from
/// `ukey emulator press`: `--confirm external`) on a unix socket in a private directory, and a
/// private pcscd (``PCSCDHarness``) with one reader of our driver importing that token. ykman
/// `--reader UKey` must see exactly one reader, so it never sees the shared ``PCSCTestStack``.
///
/// Stock tools run as children with ``environment(_:)``: this pcscd's socket and a private HOME.
/// Started once per test process by ``shared()``, stopped by an `atexit` handler.
final class OATHStack: @unchecked Sendable {
    static let readerFamily = "UKey OATH"

    let directory: String
    let emulator: EmulatorProcess
    let pcscd: PCSCDHarness

    private static let state = Mutex<Result<OATHStack, StackError>?>(nil)

    static func shared() async throws -> OATHStack {
        try await PCSCTestStack.blocking {
            try state.withLock { state in
                if state == nil {
                    state = Result { () throws(StackError) in
                        do { return try OATHStack() } catch { throw StackError("the OATH interop stack did not start: \(error)") }
                    }
                    atexit { OATHStack.stopShared() }
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
        var template = Array("/tmp/ukey-oath-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw StackError("mkdtemp failed: errno \(errno)") }
        directory = String(cString: made)
        try FileManager.default.createDirectory(atPath: directory + "/home", withIntermediateDirectories: true)
        let secrets = ["UKEY_FACTORY_PIN": PCSCTestStack.factoryPIN, "UKEY_FACTORY_PUK": PCSCTestStack.factoryPUK,
                       "UKEY_FACTORY_PIV_PIN": PCSCTestStack.factoryPIVPIN, "UKEY_FACTORY_PIV_PUK": PCSCTestStack.factoryPIVPUK,
                       "UKEY_FACTORY_MGMKEY": PCSCTestStack.factoryManagementKey, "HOME": directory + "/home",
                       "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        do {
            emulator = try EmulatorProcess(arguments: ["--state", directory + "/state", "--listen", "unix:\(directory)/usbip.sock",
                                                       "--tokens", "1", "--confirm", "external"],
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
    }

    func stop() {
        pcscd.stop()
        _ = emulator.terminate(timeout: 5)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// PATH, LANG=C, this pcscd, a private HOME, then `extra`.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PCSCLITE_CSOCK_NAME": pcscd.socketPath,
         "HOME": directory + "/home", "XDG_CACHE_HOME": directory + "/home/.cache", "UKEY_READER": "\(Self.readerFamily) 00 00"]
            .merging(extra) { $1 }
    }

    @discardableResult
    func run(_ arguments: [String], input: String? = nil, timeout: Double = 90) throws -> TestProcess.Output {
        try TestProcess.run(arguments, environment: environment(), input: input, timeout: timeout)
    }

    /// `ukey ARGUMENTS` (this build's binary) against this stack.
    @discardableResult
    func ukey(_ arguments: [String], input: String? = nil, timeout: Double = 90) throws -> TestProcess.Output {
        try run([try EmulatorProcess.binary().path] + arguments, input: input, timeout: timeout)
    }

    /// `ukey emulator press ok --token 1-1`, repeated until the token waits and takes it.
    func pressOK(timeout: Double = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last: TestProcess.Output? = nil
        while Date() < deadline {
            let output = try ukey(["emulator", "press", "ok", "--token", "1-1", "--state", directory + "/state"], timeout: 30)
            if output.status == 0 { return }
            last = output
            usleep(100_000)
        }
        throw StackError("the token never waited for OK: \(last.map { "\($0)" } ?? "-")")
    }
}
