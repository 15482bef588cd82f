import Foundation
import UKeyControl
#if canImport(Glibc)
import Glibc
#endif

/// What `ukey pcscd start|stop|env` does: a pcscd of the user's own, with the UKey driver and
/// only the readers given, that never touches the system's pcscd.
///
/// pcsc-lite 1.9.9 hard-codes its socket to /run/pcscd/pcscd.comm, so pcscd runs in a mount
/// namespace of its own (`unshare -m`, or `unshare -rm` without root) where a tmpfs covers /run
/// and ``directory`` is bind-mounted on /run/pcscd: pcscd.comm, pcscd's own pcscd.pid and
/// pcscd.log all land in ``directory``. Clients reach it with `PCSCLITE_CSOCK_NAME`
/// (``environmentLine``). The readers live in `DIR/reader.conf.d` (pcscd `-c`).
///
/// The namespace hides the host's /run: an emulator on a unix socket under /run cannot be
/// reached; its TCP listener is used when it has one (see ``emulatorDevices(stateDirectory:environment:)``).
public struct PrivatePCSCD: Sendable {
    public var directory: String
    public var socketPath: String { directory + "/pcscd.comm" }
    public var pidPath: String { directory + "/pcscd.pid" }
    public var logPath: String { directory + "/pcscd.log" }
    public var configDirectory: String { directory + "/reader.conf.d" }

    public static let pcscdPath = "/usr/sbin/pcscd"
    public static let unsharePath = "/usr/bin/unshare"

    public init(directory: String) {
        self.directory = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
    }

    /// `$XDG_RUNTIME_DIR/ukey/pcscd`, else `/tmp/ukey-pcscd-$UID`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") { return runtime + "/ukey/pcscd" }
        return "/tmp/ukey-pcscd-\(getuid())"
    }

    /// The `libifd-ukey.so` in the same build folder as `executable` (the `ukey` binary).
    public static func defaultDriver(executable: String = CommandLine.arguments[0]) -> String {
        var url = URL(fileURLWithPath: executable)
        if !executable.contains("/"), let found = try? HostCommand.run(["which", executable]), !found.isEmpty {
            url = URL(fileURLWithPath: found.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return url.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("libifd-ukey.so").path
    }

    /// `export PCSCLITE_CSOCK_NAME=…`, for `eval "$(ukey pcscd env)"`.
    public var environmentLine: String { "export PCSCLITE_CSOCK_NAME=\(socketPath)" }

    /// One `usbip:…/BUSID` device per token of the emulator whose control socket is in
    /// `stateDirectory` (its TCP listener if it has one, else its unix socket).
    public static func emulatorDevices(stateDirectory: String?,
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
    public func runningPID() -> pid_t? {
        guard let text = try? String(contentsOfFile: pidPath, encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 else { return nil }
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
        let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        guard arguments.first.map({ $0.hasSuffix("pcscd") }) == true, arguments.contains(configDirectory) else { return nil }
        return pid
    }

    /// Starts pcscd with `devices` and `driver`; returns its pid once ``socketPath`` answers.
    /// `trace` sets `UKEY_DRIVER_TRACE=1` (the driver's trace goes to ``logPath``).
    @discardableResult
    public func start(devices: [String], driver: String, trace: Bool = false, timeout: Double = 10,
                      environment: [String: String] = ProcessInfo.processInfo.environment) throws(PrivatePCSCDError) -> pid_t {
        guard !devices.isEmpty else { throw PrivatePCSCDError("no readers: give --device, or start an emulator (ukey emulator run)") }
        guard FileManager.default.fileExists(atPath: driver) else {
            throw PrivatePCSCDError("no driver at \(driver) (swift build, or give --driver)")
        }
        for tool in [Self.pcscdPath, Self.unsharePath] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw PrivatePCSCDError("\(tool) is not installed (apt-get install pcscd util-linux)")
        }
        guard socketPath.utf8.count < 108 else { throw PrivatePCSCDError("\(socketPath) is too long for a unix socket") }
        if let pid = runningPID() { throw PrivatePCSCDError("pcscd \(pid) already runs in \(directory) (ukey pcscd stop)") }
        try prepareDirectory(devices: devices, driver: driver)

        // `cd` first: the tmpfs then hides `directory` if it lies under /run, but "." still names it.
        let script = "cd \"$0\" && mount -n -t tmpfs tmpfs /run && mkdir /run/pcscd && mount -n --bind . /run/pcscd"
            + " && exec \(Self.pcscdPath) -f \(trace ? "-d " : "")-c \"$1\""
        let unshare = getuid() == 0 ? ["-m"] : ["-r", "-m"]
        let arguments = [Self.unsharePath] + unshare + ["--propagation", "private", "/bin/sh", "-c", script, directory, configDirectory]
        var childEnvironment = environment
        childEnvironment["UKEY_DRIVER_TRACE"] = trace ? "1" : nil
        let pid = try PrivatePCSCDSpawn.spawnDetached(arguments, environment: childEnvironment, logPath: logPath)

        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if PrivatePCSCDSpawn.socketAnswers(socketPath) {
                // pcscd wrote its own pid (the same: unshare and sh exec it) in pcscd.pid; make sure.
                try? "\(pid)\n".write(toFile: pidPath, atomically: true, encoding: .utf8)
                return pid
            }
            if !PrivatePCSCDSpawn.isAlive(pid) { break }
            usleep(20_000)
        }
        PrivatePCSCDSpawn.stopGroup(pid)
        throw PrivatePCSCDError("pcscd did not answer on \(socketPath) within \(Int(timeout)) s; the end of \(logPath):\n"
                                + logTail())
    }

    /// Stops the pcscd this directory's pid file names (only if it is that pcscd) and removes the
    /// pid file. Returns the pid stopped, `nil` if none ran.
    @discardableResult
    public func stop() -> pid_t? {
        defer { unlink(pidPath) }
        guard let pid = runningPID() else { return nil }
        PrivatePCSCDSpawn.stopGroup(pid)
        return pid
    }

    /// The last `lines` lines of pcscd's log.
    public func logTail(lines: Int = 20) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Creates the directory (0700), a fresh log, and one reader.conf entry per device.
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
            unlink(pidPath)
            unlink(socketPath)
            try Data().write(to: URL(fileURLWithPath: logPath))
            for (index, device) in devices.enumerated() {
                let busid = device.split(separator: "/").last.map(String.init) ?? "\(index)"
                let entry = "FRIENDLYNAME \"UKey \(busid)\"\nDEVICENAME \(device)\nLIBPATH \(driver)\n"
                try entry.write(toFile: configDirectory + "/ukey-\(index)", atomically: true, encoding: .utf8)
            }
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
