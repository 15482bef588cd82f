import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Shared by the emulator and driver tests (`PCSCTestSupport`).
///
/// A private pcscd for tests: it never touches the system's pcscd, its readers or its socket.
///
/// pcsc-lite 1.9.9 hard-codes its socket to /run/pcscd/pcscd.comm, so the daemon runs in a
/// mount namespace of its own (`unshare -m`, or `unshare -rm` when not root) where a tmpfs
/// covers /run and a private directory is bind-mounted on /run/pcscd. Its configuration
/// directory (`pcscd -c`) holds only the given reader entries (Debian's
/// /etc/reader.conf.d/vpcd stays out). Clients reach it through `PCSCLITE_CSOCK_NAME`
/// (``environment``). The daemon runs in its own process group; ``stop()`` (also from `deinit`)
/// ends the group and removes the directory.
///
/// ```swift
/// let port = try PCSCDHarness.freePortPair()
/// let pcscd = try PCSCDHarness(readers: [.vpcd(port: port)])
/// defer { pcscd.stop() }
/// try TestProcess.run(["/usr/bin/opensc-tool", "-l"], environment: pcscd.environment)
/// ```
public final class PCSCDHarness: @unchecked Sendable {
    /// The temporary directory holding everything below.
    public let directory: String
    /// Bind-mounted on /run/pcscd inside the namespace: pcscd.comm and pcscd.pid appear here.
    public let socketDirectory: String
    /// The `pcscd -c` directory: one file per reader entry.
    public let configDirectory: String
    /// pcscd's stdout and stderr (`-f`).
    public let logPath: String
    public let readers: [ReaderEntry]
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
    public static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: pcscdPath) && FileManager.default.isExecutableFile(atPath: unsharePath)
    }

    public static let pcscdPath = "/usr/sbin/pcscd"
    public static let unsharePath = "/usr/bin/unshare"

    /// Starts pcscd with `readers` and returns once its socket accepts connections.
    /// `debug` adds `-d -a` (APDU log) to pcscd's log.
    ///
    /// `bindMounts` are bind-mounted inside the namespace before pcscd starts (a private
    /// drivers directory over /usr/lib/pcsc/drivers: pcscd 1.9.9 has no setting for it), and
    /// `daemonEnvironment` is set for pcscd alone, not for the `unshare`/`mount` steps (the
    /// umockdev preload: `UMOCKDEV_DIR`, `LD_PRELOAD`).
    public init(readers: [ReaderEntry], debug: Bool = false, startTimeout: Double = 10,
         extraEnvironment: [String: String] = [:], bindMounts: [BindMount] = [],
         daemonEnvironment: [String: String] = [:]) throws {
        var template = Array("/tmp/ukey-pcscd.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw PCSCDHarnessError("mkdtemp failed: errno \(errno)") }
        directory = String(cString: made)
        socketDirectory = directory + "/run"
        configDirectory = directory + "/reader.conf.d"
        logPath = directory + "/pcscd.log"
        self.readers = readers
        let files = FileManager.default
        try files.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        try files.createDirectory(atPath: configDirectory, withIntermediateDirectories: true)
        for (index, reader) in readers.enumerated() {
            try reader.text.write(toFile: configDirectory + "/reader-\(index)", atomically: true, encoding: .utf8)
        }
        // Paths and environment values travel as positional parameters ($0, $1, …), never
        // spliced into the script text, so no quoting is involved.
        var parameters = [socketDirectory, configDirectory]
        var script = "mount -n -t tmpfs tmpfs /run && mkdir /run/pcscd && mount -n --bind \"$0\" /run/pcscd"
        for mount in bindMounts {
            parameters += [mount.source, mount.target]
            script += " && mount -n --bind \"${\(parameters.count - 2)}\" \"${\(parameters.count - 1)}\""
        }
        var environmentWords = ""
        for (key, value) in daemonEnvironment.sorted(by: { $0.key < $1.key }) {
            parameters.append("\(key)=\(value)")
            environmentWords += " \"${\(parameters.count - 1)}\""
        }
        script += " && exec" + (daemonEnvironment.isEmpty ? "" : " /usr/bin/env" + environmentWords)
            + " \(PCSCDHarness.pcscdPath) -f \(debug ? "-d -a " : "")-c \"$1\""
        let unshare = getuid() == 0 ? ["-m"] : ["-r", "-m"]
        let arguments = [PCSCDHarness.unsharePath] + unshare + ["--propagation", "private", "/bin/sh", "-c", script]
            + parameters
        do {
            process = try ProcessGroup(arguments: arguments,
                                       environment: ProcessInfo.processInfo.environment.merging(extraEnvironment) { $1 },
                                       logPath: logPath)
        } catch {
            try? files.removeItem(atPath: directory)
            throw error
        }
        do {
            try waitUntilAnswering(timeout: startTimeout)
        } catch {
            stop()
            throw error
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

    private func waitUntilAnswering(timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard process.isRunning else { throw PCSCDHarnessError("pcscd exited during start-up:\n\(log)") }
            if PCSCDHarness.socketAnswers(socketPath) { return }
            usleep(20_000)
        }
        throw PCSCDHarnessError("pcscd did not answer on \(socketPath) within \(timeout) s:\n\(log)")
    }

    /// Whether a unix-domain socket at `path` accepts a connection.
    public static func socketAnswers(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return result == 0
    }
}
