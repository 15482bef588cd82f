import Foundation
import POSIX
import UKeyTools
#if canImport(Glibc)
import Glibc
#endif

/// A test-support failure with a message for the test log.
package typealias PCSCDHarnessError = PrivatePCSCDError

/// Shared by the emulator and driver tests (`PCSCTestSupport`).
///
/// A private pcscd for tests, started by the same ``PCSCDNamespace`` as `ukey pcscd start`: it
/// never touches the system's pcscd, its readers or its socket. It lives in a temporary
/// directory: `run/` (bind-mounted on /run/pcscd: pcscd.comm and pcscd.pid), `reader.conf.d/`
/// (only the given reader entries) and `pcscd.log`. Clients reach it through
/// `PCSCLITE_CSOCK_NAME` (``environment``). The daemon runs in its own process group; ``stop()``
/// (also from `deinit`) ends the group and removes the directory.
///
/// ```swift
/// let port = try PCSCDHarness.freePortPair()
/// let pcscd = try PCSCDHarness(readers: [.vpcd(port: port)])
/// defer { pcscd.stop() }
/// try TestProcess.run(["/usr/bin/opensc-tool", "-l"], environment: pcscd.environment)
/// ```
public final class PCSCDHarness: @unchecked Sendable {
    package typealias ReaderEntry = PCSCDNamespace.ReaderEntry
    package typealias BindMount = PCSCDNamespace.BindMount
    package typealias ProcessGroup = UKeyTools.ProcessGroup

    /// The temporary directory holding everything below.
    public let directory: String
    /// Bind-mounted on /run/pcscd inside the namespace: pcscd.comm and pcscd.pid appear here.
    public let socketDirectory: String
    /// The `pcscd -c` directory: one file per reader entry.
    public let configDirectory: String
    /// pcscd's stdout and stderr (`-f`).
    public let logPath: String
    package let readers: [ReaderEntry]
    private let process: ProcessGroup
    private let lock = NSLock()
    private var stopped = false

    /// The client socket.
    public var socketPath: String { socketDirectory + "/pcscd.comm" }

    /// This process's environment plus `PCSCLITE_CSOCK_NAME`, for PC/SC clients.
    public var environment: [String: String] {
        ProcessInfo.processInfo.environment.merging(["PCSCLITE_CSOCK_NAME": socketPath]) { $1 }
    }

    /// pcscd's log so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Whether pcscd and unshare are installed.
    public static var isAvailable: Bool { PCSCDNamespace.isAvailable }

    public static var pcscdPath: String { PCSCDNamespace.pcscdPath }
    public static var unsharePath: String { PCSCDNamespace.unsharePath }

    /// Starts pcscd with `readers` and returns once its socket accepts connections.
    /// `debug` adds `-d -a` (APDU log) to pcscd's log.
    ///
    /// `bindMounts` are bind-mounted inside the namespace before pcscd starts (a private
    /// drivers directory over /usr/lib/pcsc/drivers: pcscd 1.9.9 has no setting for it), and
    /// `daemonEnvironment` is set for pcscd alone, not for the `unshare`/`mount` steps (the
    /// umockdev preload: `UMOCKDEV_DIR`, `LD_PRELOAD`).
    package init(readers: [ReaderEntry], debug: Bool = false, startTimeout: Double = 60,
                 extraEnvironment: [String: String] = [:], bindMounts: [BindMount] = [],
                 daemonEnvironment: [String: String] = [:]) throws {
        var template = Array("/tmp/ukey-pcscd.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw PCSCDHarnessError("mkdtemp failed: errno \(errno)") }
        directory = String(cString: made)
        socketDirectory = directory + "/run"
        configDirectory = directory + "/reader.conf.d"
        logPath = directory + "/pcscd.log"
        self.readers = readers
        var namespace = PCSCDNamespace(socketDirectory: socketDirectory, configDirectory: configDirectory, logPath: logPath)
        namespace.bindMounts = bindMounts
        namespace.daemonEnvironment = daemonEnvironment
        let files = FileManager.default
        do {
            try files.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
            try files.createDirectory(atPath: configDirectory, withIntermediateDirectories: true)
            try namespace.writeReaders(readers)
            process = try namespace.start(pcscdOptions: debug ? ["-d", "-a"] : [],
                                          environment: ProcessInfo.processInfo.environment.merging(extraEnvironment) { $1 })
        } catch {
            try? files.removeItem(atPath: directory)
            throw error
        }
        switch namespace.waitUntilAnswering(process, timeout: startTimeout) {
        case .answering:
            return
        case .exited:
            stop()
            throw PCSCDHarnessError("pcscd exited during start-up:\n\(log)")
        case .timedOut:
            stop()
            throw PCSCDHarnessError("pcscd did not answer on \(socketPath) within \(startTimeout) s:\n\(log)")
        }
    }

    deinit {
        stop()
    }

    /// Ends pcscd's process group and removes the directory. Idempotent.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Whether pcscd is still running.
    public var isRunning: Bool { process.isRunning }

    /// pcscd's process group (unshare and sh exec pcscd, so also its pid).
    public var processGroup: pid_t { process.pid }

    /// Whether a unix-domain socket at `path` accepts a connection.
    public static func socketAnswers(_ path: String) -> Bool {
        ConnectedSocket.answers(unixPath: path)
    }

    /// A TCP port `P` such that `P` and `P + 1` are both free on all interfaces now (one vpcd
    /// entry listens on both).
    public static func freePortPair() throws -> UInt16 {
        guard let port = ListeningSocket.freePortPair() else { throw PCSCDHarnessError("no free pair of TCP ports found") }
        return port
    }

    /// Binds a TCP socket to 0.0.0.0:`port` (0: any); its descriptor and port, or `nil`.
    public static func bindProbe(port: UInt16) -> (descriptor: Int32, port: UInt16)? {
        ListeningSocket.bindProbe(port: port).map { ($0.descriptor.rawValue, $0.port) }
    }
}
