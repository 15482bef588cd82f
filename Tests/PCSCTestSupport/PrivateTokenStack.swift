import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An interop suite's own stack: `ukey emulator run` (a process, one token) on a unix socket in
/// a private directory, and a private pcscd (``PCSCDHarness``) with one reader of our driver
/// (libifd-ukey.so) importing that token. Stock tools (OpenSC, p11-kit, ykman) open every reader
/// they see, so they must not see the shared ``PCSCTestStack``'s tokens that other suites are
/// using at the same time.
///
/// Every stock tool runs as a child with ``environment(_:)``: this pcscd's socket
/// (`PCSCLITE_CSOCK_NAME`), and HOME / XDG_CACHE_HOME in the stack's directory (OpenSC caches
/// card files there). The test process itself never opens a PC/SC context here. One stack per
/// name and test process (``shared(_:readerFamily:confirm:ready:)``), stopped by an `atexit`
/// handler; a failed start is remembered, and every test that asks reports it.
public final class PrivateTokenStack: @unchecked Sendable {
    public let directory: String
    public let emulator: EmulatorProcess
    public let pcscd: PCSCDHarness
    /// The reader's friendly name in pcscd's reader.conf.
    public let readerFamily: String
    /// The PC/SC name of the token's reader.
    public var reader: String { "\(readerFamily) 00 00" }

    /// `directory/name`.
    public func file(_ name: String) -> String { directory + "/" + name }

    private static let stacks = Mutex<[String: Result<PrivateTokenStack, StackError>]>([:])

    /// The process's stack called `name`, started on first use on a thread of its own (it
    /// blocks for seconds): the emulator with `--confirm confirm`, then `ready` (say, a wait
    /// for the card) before any test gets it.
    public static func shared(_ name: String, readerFamily: String, confirm: String,
                              ready: @escaping @Sendable (PrivateTokenStack) throws -> Void = { _ in }) async throws -> PrivateTokenStack {
        try await PCSCTestStack.blocking {
            try stacks.withLock { stacks in
                if stacks[name] == nil {
                    if stacks.isEmpty { atexit { PrivateTokenStack.stopAll() } }
                    stacks[name] = Result { () throws(StackError) in
                        do {
                            let stack = try PrivateTokenStack(name: name, readerFamily: readerFamily, confirm: confirm)
                            do { try ready(stack) } catch { stack.stop(); throw error }
                            return stack
                        } catch {
                            throw StackError("the \(name) interop stack did not start: \(error)")
                        }
                    }
                }
                return try stacks[name]!.get()
            }
        }
    }

    private static func stopAll() {
        let started = stacks.withLock { $0.values.compactMap { try? $0.get() } }
        for stack in started { stack.stop() }
    }

    private init(name: String, readerFamily: String, confirm: String) throws {
        self.readerFamily = readerFamily
        var template = Array("/tmp/ukey-\(name)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw StackError("mkdtemp failed: errno \(errno)") }
        directory = String(cString: made)
        try FileManager.default.createDirectory(atPath: directory + "/home", withIntermediateDirectories: true)
        let secrets = ["UKEY_FACTORY_PIN": PCSCTestStack.factoryPIN, "UKEY_FACTORY_PUK": PCSCTestStack.factoryPUK,
                       "UKEY_FACTORY_PIV_PIN": PCSCTestStack.factoryPIVPIN, "UKEY_FACTORY_PIV_PUK": PCSCTestStack.factoryPIVPUK,
                       "UKEY_FACTORY_MGMKEY": PCSCTestStack.factoryManagementKey, "HOME": directory + "/home",
                       "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        do {
            emulator = try EmulatorProcess(arguments: ["--state", directory + "/state", "--listen", "unix:\(directory)/usbip.sock",
                                                       "--tokens", "1", "--confirm", confirm],
                                           environment: secrets, listeners: 1)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        do {
            guard let driver = EmulatorProcess.driverLibrary else { throw StackError("no libifd-ukey.so in this build") }
            let entry = PCSCDHarness.ReaderEntry(friendlyName: readerFamily,
                                                 deviceName: "usbip:\(emulator.addresses[0])/1-1", libraryPath: driver)
            pcscd = try PCSCDHarness(readers: [entry], debug: false)
        } catch {
            emulator.kill()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// Ends pcscd and the emulator, and removes the directory.
    public func stop() {
        pcscd.stop()
        _ = emulator.terminate(timeout: 5)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A clean environment for a stock tool: PATH, a UTF-8 C locale (ykman's Python needs
    /// UTF-8), this pcscd, a private HOME and cache, `UKEY_READER` for `ukey`, then `extra`
    /// (GNUTLS_PIN, UKEY_PIN, …). Nothing else of the test process's environment leaks in (a
    /// SOFTHSM2_CONF or OPENSSL_CONF would change what the tools do).
    public func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PCSCLITE_CSOCK_NAME": pcscd.socketPath,
         "HOME": directory + "/home", "XDG_CACHE_HOME": directory + "/home/.cache", "UKEY_READER": reader]
            .merging(extra) { $1 }
    }

    /// Runs a tool (absolute path first) in ``environment(_:)``.
    @discardableResult
    public func run(_ arguments: [String], input: String? = nil, environment extra: [String: String] = [:],
                    timeout: Double = 90) throws -> TestProcess.Output {
        try TestProcess.run(arguments, environment: environment(extra), input: input, timeout: timeout)
    }

    /// `ukey ARGUMENTS` (the binary of this build) against this pcscd.
    @discardableResult
    public func ukey(_ arguments: [String], input: String? = nil, environment extra: [String: String] = [:],
                     timeout: Double = 90) throws -> TestProcess.Output {
        try run([try EmulatorProcess.binary().path] + arguments, input: input, environment: extra, timeout: timeout)
    }
}
