import Foundation
import POSIX
#if canImport(Glibc)
import Glibc
#endif

/// pcscd in a mount namespace of its own: the one launcher behind `ukey pcscd start`
/// (``PrivatePCSCD``) and the tests' `PCSCDHarness`. It never touches the system's pcscd, its
/// readers or its socket.
///
/// pcsc-lite 1.9.9 hard-codes its socket to /run/pcscd/pcscd.comm, so pcscd runs under
/// `unshare -m` (`unshare -rm` without root), where a tmpfs covers /run and ``socketDirectory``
/// is bind-mounted on /run/pcscd: pcscd.comm and pcscd.pid land there. Its configuration
/// directory (`pcscd -c`) holds only the given reader entries (Debian's /etc/reader.conf.d/vpcd
/// stays out). Clients reach it with `PCSCLITE_CSOCK_NAME` = ``socketPath``. pcscd leads a
/// process group (or a session) of its own; stopping it ends the group.
///
/// pcscd makes ``socketDirectory`` 0755 and its socket 0666 (issue #15): only a 0700 directory
/// above ``socketDirectory`` keeps other local users away from the socket. Both callers put it
/// in one (`DIR/run` with `DIR` 0700; the tests' mkdtemp directory).
package struct PCSCDNamespace: Sendable {
    /// Bind-mounted on /run/pcscd inside the namespace.
    package var socketDirectory: String
    /// The `pcscd -c` directory: one file per reader entry.
    package var configDirectory: String
    /// pcscd's stdout and stderr (`-f`).
    package var logPath: String
    /// Bind-mounted inside the namespace before pcscd starts.
    package var bindMounts: [BindMount] = []
    /// Set for pcscd alone, not for the `unshare`/`mount` steps (the umockdev preload).
    package var daemonEnvironment: [String: String] = [:]
    /// A command pcscd runs under (`valgrind --tool=callgrind …`), empty for none.
    package var wrapper: [String] = []

    package static let pcscdPath = "/usr/sbin/pcscd"
    package static let unsharePath = "/usr/bin/unshare"

    /// Whether pcscd and unshare are installed.
    package static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: pcscdPath) && FileManager.default.isExecutableFile(atPath: unsharePath)
    }

    package init(socketDirectory: String, configDirectory: String, logPath: String) {
        self.socketDirectory = socketDirectory
        self.configDirectory = configDirectory
        self.logPath = logPath
    }

    /// The client socket.
    package var socketPath: String { socketDirectory + "/pcscd.comm" }

    /// Writes every entry, in order, into one file `readers` in ``configDirectory`` (which must
    /// exist). pcscd names a reader `FRIENDLYNAME XX 00`, XX the lowest number no reader has yet,
    /// in the order it adds them: the order of the entries within a file, but of the files as
    /// readdir returns them (newest first on tmpfs). One file keeps the names stable: the n-th
    /// entry is `… 0n 00` (`UKey 1-1 00 00`, `UKey 1-2 01 00`, … for an emulator's tokens).
    package func writeReaders(_ readers: [ReaderEntry]) throws {
        try readers.map(\.text).joined(separator: "\n")
            .write(toFile: configDirectory + "/readers", atomically: true, encoding: .utf8)
    }

    /// The name pcscd gives the entry at `index` of ``writeReaders(_:)``'s list when it adds
    /// them all at its start (a reader of one slot: the second number is 00).
    package static func readerName(_ friendlyName: String, index: Int) -> String {
        friendlyName + " " + String(format: "%02X", index) + " 00"
    }

    /// Starts pcscd (`-f`, plus `pcscdOptions` such as `-d -a`) with `environment`; returns its
    /// process group at once (see ``waitUntilAnswering(_:timeout:)``). `newSession`: a daemon in
    /// a session of its own that outlives this process.
    package func start(pcscdOptions: [String] = [], environment: [String: String],
                       newSession: Bool = false) throws(PrivatePCSCDError) -> ProcessGroup {
        // `cd` first: the tmpfs then hides the directory if it lies under /run, but "." still
        // names it. Paths and environment values travel as positional parameters ($0, $1, …),
        // never spliced into the script text, so no quoting is involved.
        var parameters = [socketDirectory, configDirectory]
        var script = "cd \"$0\" && mount -n -t tmpfs tmpfs /run && mkdir /run/pcscd && mount -n --bind . /run/pcscd"
        for mount in bindMounts {
            parameters += [mount.source, mount.target]
            script += " && mount -n --bind \"${\(parameters.count - 2)}\" \"${\(parameters.count - 1)}\""
        }
        var environmentWords = ""
        for (key, value) in daemonEnvironment.sorted(by: { $0.key < $1.key }) {
            parameters.append("\(key)=\(value)")
            environmentWords += " \"${\(parameters.count - 1)}\""
        }
        var wrapperWords = ""
        for word in wrapper {
            parameters.append(word)
            wrapperWords += " \"${\(parameters.count - 1)}\""
        }
        script += " && exec" + (daemonEnvironment.isEmpty ? "" : " /usr/bin/env" + environmentWords) + wrapperWords
            + " \(Self.pcscdPath) -f " + pcscdOptions.map { $0 + " " }.joined() + "-c \"$1\""
        let unshare = getuid() == 0 ? ["-m"] : ["-r", "-m"]
        let arguments = [Self.unsharePath] + unshare + ["--propagation", "private", "/bin/sh", "-c", script] + parameters
        return try ProcessGroup(arguments: arguments, environment: environment, logPath: logPath, newSession: newSession)
    }

    /// How a wait for pcscd's socket ended.
    package enum StartOutcome {
        case answering
        case exited
        case timedOut
    }

    /// Waits until ``socketPath`` accepts connections, pcscd exits, or `timeout` seconds pass.
    package func waitUntilAnswering(_ process: ProcessGroup, timeout: Double) -> StartOutcome {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if ConnectedSocket.answers(unixPath: socketPath) { return .answering }
            if !process.isRunning { return .exited }
            usleep(20_000)
        }
        return .timedOut
    }

    /// A directory or file bind-mounted over `target` inside pcscd's private mount namespace
    /// (`mount --bind SOURCE TARGET`); the rest of the system never sees it.
    package struct BindMount: Sendable, Hashable {
        package var source: String
        package var target: String

        package init(source: String, target: String) {
            self.source = source
            self.target = target
        }

        /// A private drivers directory over the one pcscd 1.9.9 hard-codes (`usbdropdir`), so
        /// that hotplug sees only the bundles a test puts there.
        package static func drivers(_ source: String) -> BindMount {
            BindMount(source: source, target: "/usr/lib/pcsc/drivers")
        }
    }

    /// One reader in the configuration directory: a `reader.conf` entry (pcsc-lite
    /// `reader.conf(5)`: FRIENDLYNAME, DEVICENAME, LIBPATH, optional CHANNELID).
    package struct ReaderEntry: Sendable {
        /// The file's text, as pcscd reads it.
        package var text: String
        /// The reader's name as pcscd lists it (with ` 00 00` appended).
        package var friendlyName: String

        package init(friendlyName: String, deviceName: String, libraryPath: String, channelID: String? = nil) {
            var lines = ["FRIENDLYNAME \"\(friendlyName)\"", "DEVICENAME \(deviceName)", "LIBPATH \(libraryPath)"]
            if let channelID { lines.append("CHANNELID \(channelID)") }
            self.text = lines.joined(separator: "\n") + "\n"
            self.friendlyName = friendlyName
        }

        /// An entry written verbatim.
        package init(text: String, friendlyName: String) {
            self.text = text
            self.friendlyName = friendlyName
        }

        /// The UKey driver on `device` (`usbip:HOST:PORT/BUSID`): the reader is `UKey BUSID`.
        package static func ukey(device: String, driver: String, index: Int = 0) -> ReaderEntry {
            let busid = device.split(separator: "/").last.map(String.init) ?? "\(index)"
            return ReaderEntry(friendlyName: "UKey \(busid)", deviceName: device, libraryPath: driver)
        }

        /// Stock vsmartcard vpcd listening on `port` (and `port + 1`, its second reader) on all
        /// interfaces: `DEVICENAME /dev/null:PORT` makes vpcd the TCP server.
        package static func vpcd(name: String = "UKey vpcd", port: UInt16) -> ReaderEntry {
            ReaderEntry(friendlyName: name, deviceName: "/dev/null:\(port)", libraryPath: vpcdDriverPath)
        }

        /// The PC/SC name of vpcd reader `index` (0: `port`, 1: `port + 1`).
        package static func vpcdReaderName(_ name: String = "UKey vpcd", index: Int = 0) -> String {
            "\(name) 00 0\(index)"
        }

        /// Where Debian's `vsmartcard-vpcd` installs the driver (`dpkg -L vsmartcard-vpcd`).
        package static var vpcdDriverPath: String {
            let candidates = ["/usr/lib/pcsc/drivers/serial/libifdvpcd.so",
                              "/usr/lib/x86_64-linux-gnu/pcsc/drivers/serial/libifdvpcd.so",
                              "/usr/local/lib/pcsc/drivers/serial/libifdvpcd.so"]
            return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? candidates[0]
        }

        /// Whether stock vpcd is installed.
        package static var isVPCDInstalled: Bool { FileManager.default.fileExists(atPath: vpcdDriverPath) }
    }
}

/// Why a private pcscd could not be started or prepared; the message names the path and what to do.
package struct PrivatePCSCDError: Error, CustomStringConvertible, Sendable {
    package var description: String
    package init(_ description: String) { self.description = description }
}
