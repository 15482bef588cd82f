import Foundation
import PCSCTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The emulated token as a live USB device on a umockdev testbed: `ukey emulator run` serving
/// USB/IP on a free loopback port, and `Scripts/umockdev_token.py` turning it into
/// /dev/bus/usb/001/002 whose usbfs ioctls become CMD_SUBMITs to the emulator
/// (../shared/notes/umockdev.md). Processes that join the testbed get ``preloadEnvironment``.
/// ``stop()`` (also from `deinit`) ends both process groups and removes the directory.
final class UMockdevToken: @unchecked Sendable {
    /// The driver's device name for it, as pcscd's libudev hotplug spells it.
    static let deviceName = "usb:1209/0001:libudev:0:/dev/bus/usb/001/002"
    static let python = EndToEndTools.python
    static let preload = "libumockdev-preload.so.0"

    let directory: String
    let emulatorAddress: String
    /// The testbed root (`UMOCKDEV_DIR`).
    let testbedRoot: String
    private let emulator: PCSCDHarness.ProcessGroup
    private let handler: PCSCDHarness.ProcessGroup
    private let handlerLog: String
    private let emulatorLog: String

    static let scripts = EndToEndTools.scripts

    /// umockdev's preload and its Python bindings, the emulator binary, the handler script.
    static var available: Bool {
        ukeyBinary != nil && FileManager.default.isExecutableFile(atPath: python)
            && FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/" + preload)
            && FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/girepository-1.0/UMockdev-1.0.typelib")
    }

    /// `UKEY_BINARY`, else the `ukey` built next to the test bundle.
    static let ukeyBinary: String? = {
        if let path = ProcessInfo.processInfo.environment["UKEY_BINARY"] { return path }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("ukey").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }()

    /// `UKEY_DRIVER_LIBRARY`, else the libifd-ukey.so built next to the test bundle, else
    /// whatever the other end-to-end tests use.
    static let driverLibrary: String? = {
        if let path = ProcessInfo.processInfo.environment["UKEY_DRIVER_LIBRARY"] { return path }
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("libifd-ukey.so").path
        if FileManager.default.fileExists(atPath: besideTests) { return besideTests }
        return EndToEndTools.driverLibrary
    }()

    /// - Parameters:
    ///   - exchange: the emulator's `--exchange` (`apdu`, `tpdu`, `tpdu-t0`).
    ///   - confirm: its `--confirm` (`external` for a keypad typed on through the control socket).
    ///   - arguments: more `ukey emulator run` arguments (`--trace`, `--pcap FILE`).
    ///   - environment: more emulator environment (`UKEY_FACTORY_PIN`).
    init(exchange: String = "apdu", confirm: String = "approve", arguments: [String] = [],
         environment: [String: String] = [:]) throws {
        var template = Array("/tmp/ukey-umockdev.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw PCSCDHarnessError("mkdtemp failed: errno \(errno)") }
        directory = String(cString: made)
        emulatorLog = directory + "/emulator.log"
        handlerLog = directory + "/handler.log"
        var emulatorEnvironment = ProcessInfo.processInfo.environment
        emulatorEnvironment["UKEY_FACTORY_PIN"] = "123456"
        emulatorEnvironment["UKEY_FACTORY_PUK"] = "12345678"
        emulatorEnvironment.merge(environment) { $1 }
        do {
            emulator = try PCSCDHarness.ProcessGroup(
                arguments: [UMockdevToken.ukeyBinary!, "emulator", "run", "--listen", "127.0.0.1:0",
                            "--state", directory + "/state", "--confirm", confirm, "--exchange", exchange] + arguments,
                environment: emulatorEnvironment, logPath: emulatorLog)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        do {
            emulatorAddress = try UMockdevToken.waitForLine(in: emulatorLog, prefix: "ukey emulator: usbip listening on ",
                                                            alive: emulator)
            handler = try PCSCDHarness.ProcessGroup(
                arguments: [UMockdevToken.python, UMockdevToken.scripts + "/umockdev_token.py", emulatorAddress, "1-1"],
                environment: ProcessInfo.processInfo.environment, logPath: handlerLog)
        } catch {
            emulator.stop()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        do {
            testbedRoot = try UMockdevToken.waitForLine(in: handlerLog, prefix: "UMOCKDEV_DIR=", alive: handler)
            _ = try UMockdevToken.waitForLine(in: handlerLog, prefix: "ready", alive: handler)
        } catch {
            handler.stop()
            emulator.stop()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    deinit {
        stop()
    }

    /// Ends the handler (which removes its testbed) and the emulator. Idempotent.
    func stop() {
        handler.stop()
        emulator.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The emulator's state directory, where its control socket is (`ukey emulator … --state`).
    var stateDirectory: String { directory + "/state" }

    /// What a process needs to see the testbed instead of the real /sys and /dev.
    var preloadEnvironment: [String: String] {
        ["UMOCKDEV_DIR": testbedRoot, "LD_PRELOAD": UMockdevToken.preload]
    }

    /// The handler's and the emulator's output so far, for failure messages.
    var logs: String {
        let handlerText = (try? String(contentsOfFile: handlerLog, encoding: .utf8)) ?? ""
        let emulatorText = (try? String(contentsOfFile: emulatorLog, encoding: .utf8)) ?? ""
        return "handler:\n\(handlerText)\nemulator:\n\(emulatorText)"
    }

    /// Hot unplug: `remove` uevents for the interface and the device, which leave the testbed.
    func unplug() throws {
        kill(handler.pid, SIGUSR1)
        _ = try UMockdevToken.waitForLine(in: handlerLog, prefix: "unplugged", alive: handler)
    }

    /// Replug: a fresh USB/IP import, the device and its interface back with `add` uevents.
    func replug() throws {
        kill(handler.pid, SIGUSR2)
        _ = try UMockdevToken.waitForLine(in: handlerLog, prefix: "replugged", alive: handler)
    }

    /// The rest of the first line of `path` starting with `prefix`, waiting up to `timeout` s.
    static func waitForLine(in path: String, prefix: String, alive process: PCSCDHarness.ProcessGroup,
                            timeout: Double = 30) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
                return String(line.dropFirst(prefix.count))
            }
            guard process.isRunning else { throw PCSCDHarnessError("exited before printing \(prefix):\n\(text)") }
            usleep(20_000)
        }
        throw PCSCDHarnessError("no line \(prefix) in \(path) within \(timeout) s")
    }
}
