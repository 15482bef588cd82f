import Foundation
import POSIX
#if canImport(Glibc)
import Glibc
#endif

/// A private temporary directory (0700) for one bench section, removed by ``remove()``.
struct BenchDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/ukey-bench-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw BenchError("mkdtemp failed: errno \(errno)") }
        path = String(cString: made)
    }

    func file(_ name: String) -> String { path + "/" + name }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// `ukey emulator run ARGUMENTS` started by the bench: stdout goes to a file that is polled for
/// the "usbip listening on" line. The factory PIN and PUK come from the environment, never argv.
final class BenchEmulator {
    static let factoryPIN = "123456"
    static let factoryPUK = "87654321"

    let process = Process()
    let startedAt: UInt64
    let outputPath: String

    /// The `ukey` executable next to `ukey-bench` (same build folder), or `UKEY_BINARY`.
    static func binary() -> String? {
        if let path = ProcessInfo.processInfo.environment["UKEY_BINARY"] { return path }
        let path = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("ukey").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    init(binary: String, arguments: [String], directory: BenchDirectory, name: String = "emulator") throws {
        outputPath = directory.file("\(name).out")
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["emulator", "run"] + arguments
        process.environment = ["UKEY_FACTORY_PIN": Self.factoryPIN, "UKEY_FACTORY_PUK": Self.factoryPUK, "HOME": directory.path,
                               "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = FileHandle.nullDevice
        startedAt = DispatchTime.now().uptimeNanoseconds
        try process.run()
    }

    /// Waits (polling every 0.2 ms) until the emulator printed its first listening line.
    func waitUntilListening(timeout: Double = 120) throws {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        while DispatchTime.now().uptimeNanoseconds < deadline {
            if let text = try? String(contentsOfFile: outputPath, encoding: .utf8), text.contains("usbip listening on") { return }
            guard process.isRunning else { throw BenchError("ukey emulator run exited (\(process.terminationStatus))") }
            usleep(200)
        }
        throw BenchError("ukey emulator run did not listen within \(timeout) s")
    }

    /// VmRSS from /proc/PID/status, in bytes.
    var residentBytes: Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kilobytes * 1024
    }

    /// SIGTERM, then SIGKILL after 5 s; waits for the exit.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// A private pcscd with one stock vpcd reader or one reader of our driver (a small copy of the tests' PCSCDHarness): pcscd
/// runs in a mount namespace of its own (`unshare -m`, `-rm` without root) where a tmpfs covers
/// /run and `directory/run` is bind-mounted on /run/pcscd; clients use `PCSCLITE_CSOCK_NAME`.
/// `sh` execs pcscd, so the started pid is pcscd itself.
final class BenchPCSCD {
    static let vpcdDriver = ["/usr/lib/pcsc/drivers/serial/libifdvpcd.so",
                             "/usr/lib/x86_64-linux-gnu/pcsc/drivers/serial/libifdvpcd.so"]
        .first { FileManager.default.fileExists(atPath: $0) }
    static let readerName = "UKey bench vpcd 00 00"

    /// Why the vpcd section cannot run, or nil.
    static var missing: String? {
        let tools = ["/usr/sbin/pcscd", "/usr/bin/unshare", "/usr/bin/python3"]
        if let tool = tools.first(where: { !FileManager.default.isExecutableFile(atPath: $0) }) { return "\(tool) is missing" }
        if vpcdDriver == nil { return "stock vsmartcard vpcd (libifdvpcd.so) is missing" }
        if !FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/smartcard/__init__.py") { return "pyscard is missing" }
        return nil
    }

    static let driverReaderName = "UKey bench driver 00 00"

    /// Why the driver section cannot run, or nil (the vpcd tools minus vpcd, plus libifd-ukey.so).
    static var driverMissing: String? {
        let tools = ["/usr/sbin/pcscd", "/usr/bin/unshare", "/usr/bin/python3"]
        if let tool = tools.first(where: { !FileManager.default.isExecutableFile(atPath: $0) }) { return "\(tool) is missing" }
        if !FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/smartcard/__init__.py") { return "pyscard is missing" }
        if driverLibrary == nil {
            return "no libifd-ukey.so next to ukey-bench (build it: swift build -c release --product ifd-ukey)"
        }
        return nil
    }

    /// Our IFD handler: `libifd-ukey.so` next to `ukey-bench` (same build folder), or `UKEY_DRIVER_LIBRARY`.
    static var driverLibrary: String? {
        if let path = ProcessInfo.processInfo.environment["UKEY_DRIVER_LIBRARY"] { return path }
        let path = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("libifd-ukey.so").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    let process = Process()
    let socketPath: String
    let port: UInt16
    let readerName: String

    /// A stock vpcd reader (the emulator connects to `port`), or, with `driverDevice`, one
    /// reader of our driver (`libifd-ukey.so`) at that DEVICENAME (e.g. `usbip:unix:PATH/1-1`;
    /// the socket must be outside /run, which the namespace hides).
    init(directory: BenchDirectory, driverDevice: String? = nil) throws {
        let run = directory.file("run"), config = directory.file("reader.conf.d")
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        if let driverDevice {
            guard let library = Self.driverLibrary else { throw BenchError("libifd-ukey.so not found") }
            port = 0
            readerName = Self.driverReaderName
            try "FRIENDLYNAME \"UKey bench driver\"\nDEVICENAME \(driverDevice)\nLIBPATH \(library)\n"
                .write(toFile: config + "/ukey", atomically: true, encoding: .utf8)
        } else {
            port = try Self.freePortPair()
            readerName = Self.readerName
            try "FRIENDLYNAME \"UKey bench vpcd\"\nDEVICENAME /dev/null:\(port)\nLIBPATH \(Self.vpcdDriver!)\n"
                .write(toFile: config + "/vpcd", atomically: true, encoding: .utf8)
        }
        socketPath = run + "/pcscd.comm"
        let script = "mount -n -t tmpfs tmpfs /run && mkdir /run/pcscd && mount -n --bind \"$0\" /run/pcscd"
            + " && exec /usr/sbin/pcscd -f -c \"$1\""
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = (getuid() == 0 ? ["-m"] : ["-r", "-m"]) + ["--propagation", "private", "/bin/sh", "-c", script, run, config]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: socketPath) {
            guard process.isRunning, Date() < deadline else {
                stop()
                throw BenchError("the private pcscd did not start")
            }
            usleep(20_000)
        }
    }

    var environment: [String: String] {
        ProcessInfo.processInfo.environment.merging(["PCSCLITE_CSOCK_NAME": socketPath, "UKEY_READER": readerName]) { $1 }
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// A port P with P and P + 1 free on all interfaces (vpcd listens on both).
    static func freePortPair() throws -> UInt16 {
        guard let port = ListeningSocket.freePortPair() else { throw BenchError("no free pair of TCP ports") }
        return port
    }
}
