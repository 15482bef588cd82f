import Foundation
import POSIX
import UKeyControl
import UKeyEmulator
#if canImport(Glibc)
import Glibc
#endif

/// What `ukey pcscd start|stop|env` does: a pcscd of the user's own, with the UKey driver and
/// only the readers given, that never touches the system's pcscd.
///
/// It runs in a mount namespace of its own (``PCSCDNamespace``, as the tests' pcscd) where
/// `DIR/run` (``socketDirectory``) is bind-mounted on /run/pcscd: pcscd.comm and pcscd's own
/// pcscd.pid land there; pcscd.log and ``pidPath`` (written by `start`) stay in ``directory``.
/// Clients reach it with `PCSCLITE_CSOCK_NAME` = `DIR/run/pcscd.comm` (``environmentLine``).
///
/// Privacy: pcscd makes its socket directory 0755 and its socket 0666, so it is ``directory``
/// (0700, checked at every start, never touched by pcscd) that keeps other local users out:
/// they cannot traverse it to reach the socket. pcscd's chmod of `DIR/run` leaves ``directory``
/// as it was, so the same directory starts again after a stop.
/// The readers live in `DIR/reader.conf.d` (pcscd `-c`). pcscd is a daemon in a session of its
/// own that outlives `ukey pcscd start`; `stop` ends its process group.
///
/// The namespace hides the host's /run: an emulator on a unix socket under /run cannot be
/// reached; its TCP listener is used when it has one (see ``emulatorDevices(stateDirectory:environment:)``).
package struct PrivatePCSCD: Sendable {
    package var directory: String
    /// Bind-mounted on /run/pcscd; pcscd chmods it 0755 (``directory`` above it stays 0700).
    package var socketDirectory: String { directory + "/run" }
    package var socketPath: String { socketDirectory + "/pcscd.comm" }
    package var pidPath: String { directory + "/pcscd.pid" }
    package var logPath: String { directory + "/pcscd.log" }
    package var configDirectory: String { directory + "/reader.conf.d" }

    package init(directory: String) {
        self.directory = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
    }

    /// `$XDG_RUNTIME_DIR/ukey/pcscd`, else `/tmp/ukey-pcscd-$UID`.
    package static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") { return runtime + "/ukey/pcscd" }
        return "/tmp/ukey-pcscd-\(getuid())"
    }

    /// The `libifd-ukey.so` in the same build folder as `executable` (the `ukey` binary).
    package static func defaultDriver(executable: String = CommandLine.arguments[0]) -> String {
        var url = URL(fileURLWithPath: executable)
        if !executable.contains("/"), let found = try? HostCommand.run(["which", executable]), !found.isEmpty {
            url = URL(fileURLWithPath: found.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return url.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("libifd-ukey.so").path
    }

    /// `export PCSCLITE_CSOCK_NAME=…`, for `eval "$(ukey pcscd env)"`.
    package var environmentLine: String { "export PCSCLITE_CSOCK_NAME=\(socketPath)" }

    /// One `usbip:…/BUSID` device per token of the emulator whose control socket is in
    /// `stateDirectory` (its TCP listener if it has one, else its unix socket).
    package static func emulatorDevices(stateDirectory: String?,
                                       environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(EmulatorError) -> [String] {
        let reply = try ControlClient(stateDirectory: stateDirectory, environment: environment).request(.status)
        guard case .status(let status) = reply else {
            throw .control("the emulator's status has no listeners or tokens: \(reply.error ?? "")")
        }
        let listeners = status.listeners
        guard let listener = listeners.first(where: { !$0.hasPrefix("unix:") }) ?? listeners.first else {
            throw .control("the emulator has no USB/IP listener")
        }
        return status.tokens.map { "usbip:\(listener)/\($0.busid)" }
    }

    /// Whether the pid in ``pidPath`` is a running pcscd that uses this directory.
    package func runningPID() -> pid_t? {
        guard let text = try? String(contentsOfFile: pidPath, encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 else { return nil }
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
        let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        guard arguments.first.map({ $0.hasSuffix("pcscd") }) == true, arguments.contains(configDirectory) else { return nil }
        return pid
    }

    /// Starts pcscd with `devices` and `driver` (checked first: ``IFDHandlerLibrary/check(_:)``);
    /// returns its pid once ``socketPath`` answers. How many readers pcscd then announced is the
    /// caller's to ask (through ``socketPath``): a device the driver cannot open has none.
    /// `trace` sets `UKEY_DRIVER_TRACE=1` (the driver's trace goes to ``logPath``).
    @discardableResult
    package func start(devices: [String], driver: String, trace: Bool = false, timeout: Double = 10,
                      environment: [String: String] = ProcessInfo.processInfo.environment) throws(PrivatePCSCDError) -> pid_t {
        guard !devices.isEmpty else { throw PrivatePCSCDError("no readers: give --device, or start an emulator (ukey emulator run)") }
        guard FileManager.default.fileExists(atPath: driver) else {
            throw PrivatePCSCDError("no driver at \(driver) (swift build, or give --driver)")
        }
        try IFDHandlerLibrary.check(driver)
        for tool in [PCSCDNamespace.pcscdPath, PCSCDNamespace.unsharePath] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw PrivatePCSCDError("\(tool) is not installed (apt-get install pcscd util-linux)")
        }
        guard socketPath.utf8.count <= SocketAddress.maximumUnixPathLength else {
            throw PrivatePCSCDError("\(socketPath) is too long for a unix socket")
        }
        if let pid = runningPID() { throw PrivatePCSCDError("pcscd \(pid) already runs in \(directory) (ukey pcscd stop)") }
        try prepareDirectory(devices: devices, driver: driver)

        var childEnvironment = environment
        childEnvironment["UKEY_DRIVER_TRACE"] = trace ? "1" : nil
        let process = try namespace.start(pcscdOptions: trace ? ["-d"] : [], environment: childEnvironment, newSession: true)
        guard namespace.waitUntilAnswering(process, timeout: timeout) == .answering else {
            process.stop(grace: 5)
            throw PrivatePCSCDError("pcscd did not answer on \(socketPath) within \(Int(timeout)) s; the end of \(logPath):\n"
                                    + logTail())
        }
        // pcscd wrote its own pid (the same: unshare and sh exec it) in pcscd.pid; make sure.
        try? "\(process.pid)\n".write(toFile: pidPath, atomically: true, encoding: .utf8)
        return process.pid
    }

    /// The namespace launcher for this directory.
    private var namespace: PCSCDNamespace {
        PCSCDNamespace(socketDirectory: socketDirectory, configDirectory: configDirectory, logPath: logPath)
    }

    /// Stops the pcscd this directory's pid file names (only if it is that pcscd) and removes the
    /// pid file. Returns the pid stopped, `nil` if none ran.
    @discardableResult
    package func stop() -> pid_t? {
        defer { unlink(pidPath) }
        guard let pid = runningPID() else { return nil }
        ProcessGroup(existing: pid).stop(grace: 5)
        return pid
    }

    /// The last `lines` lines of pcscd's log.
    package func logTail(lines: Int = 20) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Creates the directory (0700), a fresh `run/`, a fresh log, and one reader.conf entry per device.
    private func prepareDirectory(devices: [String], driver: String) throws(PrivatePCSCDError) {
        let files = FileManager.default
        do {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw PrivatePCSCDError("cannot create \(directory): \(error.localizedDescription)")
        }
        try checkPrivate()
        do {
            if files.fileExists(atPath: configDirectory) { try files.removeItem(atPath: configDirectory) }
            try files.createDirectory(atPath: configDirectory, withIntermediateDirectories: true)
            // A stale socket directory (pcscd's leftovers, or a socket someone else put there)
            // goes: pcscd gets a fresh, empty one.
            if files.fileExists(atPath: socketDirectory) { try files.removeItem(atPath: socketDirectory) }
            try files.createDirectory(atPath: socketDirectory, withIntermediateDirectories: false)
            unlink(pidPath)
            try Data().write(to: URL(fileURLWithPath: logPath))
            try namespace.writeReaders(devices.enumerated().map { PCSCDNamespace.ReaderEntry.ukey(device: $1, driver: driver, index: $0) })
        } catch {
            throw PrivatePCSCDError("cannot prepare \(directory): \(error.localizedDescription)")
        }
    }

    /// Refuses a directory that is not ours alone. The default `/tmp/ukey-pcscd-$UID` can be made
    /// beforehand by another user, who could then swap `reader.conf.d` (pcscd, often root, loads
    /// the LIBPATH it names) or the socket (and read the PINs clients send through it).
    private func checkPrivate() throws(PrivatePCSCDError) {
        var info = stat()
        guard lstat(directory, &info) == 0 else {
            throw PrivatePCSCDError("cannot check \(directory): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw PrivatePCSCDError("\(directory) is not a directory") }
        guard info.st_uid == geteuid() else {
            throw PrivatePCSCDError("\(directory) belongs to another user; remove it or give another --dir")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw PrivatePCSCDError("\(directory) is accessible by group or others; run: chmod 700 \(directory)")
        }
    }
}
