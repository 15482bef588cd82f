import Foundation
import PCSC
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The PC/SC stack the integration tests talk to: `ukey emulator run` (a process, five tokens,
/// confirmations pressed through its control socket) on a private TCP port and state directory,
/// and a private pcscd (``PCSCDHarness``) with one reader entry per token, each pointing the
/// UKey driver at the emulator. Each suite owns its token, so suites can run at the same time:
/// `1-1` the PCSC module's tests, `1-2` the host library's banking flow, `1-3` removal during a
/// confirmation, `1-4` the CLI's golden outputs, `1-5` the PIV applet through the host library,
/// `ukey piv`, and the secret-input tests (which change no state), `1-6` the CLI's tests that
/// wait for the holder or make it wait (output files, `readers` and Ctrl-C during a confirmation). (OpenSC and the other stock PKCS#11 tools open every reader they see, so
/// their tests run their own stack.)
///
/// libpcsclite reads `PCSCLITE_CSOCK_NAME` once per process, at the first SCardEstablishContext
/// (pthread_once in winscard_msg.c), and keeps it. So there is one stack per test process:
/// started at the first ``shared()`` call, with the variable set just before the first context
/// and restored right after it, and stopped by an `atexit` handler. A start that fails is
/// remembered, and every later test reports the same failure.
public final class PCSCTestStack: @unchecked Sendable {
    /// The first reader entry's FRIENDLYNAME; pcscd appends the slot numbers (`UKey 1-1 00 00`).
    public static let friendlyName = "UKey 1-1"
    /// The tokens' bus ids; reader `UKey BUSID 00 00` holds token BUSID.
    public static let busids = ["1-1", "1-2", "1-3", "1-4", "1-5", "1-6"]
    /// The factory secrets every token of the stack is made with.
    public static let factoryPIN = "123456"
    public static let factoryPUK = "87654321"
    /// The PIV applet's factory PIN, PUK and 9B management key (yubico-piv-tool's default key).
    public static let factoryPIVPIN = "123456"
    public static let factoryPIVPUK = "12345678"
    public static let factoryManagementKey = "010203040506070801020304050607080102030405060708"
    /// `TokenFirmware.atr` (docs/ARCHITECTURE.md, "ATR").
    public static let atr: [UInt8] = [0x3B, 0x8B, 0x80, 0x01, 0x80, 0xF9, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0xC8]

    public let directory: String
    public let emulator: EmulatorProcess
    public let pcscd: PCSCDHarness
    /// The PC/SC name of token 1-1's reader.
    public var reader: String { readers[0] }
    /// The PC/SC reader names, in the order of ``busids``.
    public let readers: [String]

    /// The emulator's state directory (for `ukey emulator … --state`).
    public var stateDirectory: String { directory + "/state" }

    /// The PC/SC name of the reader holding token `busid`.
    public func reader(_ busid: String) -> String {
        readers[Self.busids.firstIndex(of: busid) ?? 0]
    }

    /// Whether the machine has what the stack needs: pcscd and unshare, the built `ukey` and
    /// driver, libpcsclite.
    public static var available: Bool {
        EmulatorProcess.driverLibrary != nil && PCSCDHarness.isAvailable && (try? EmulatorProcess.binary()) != nil
    }

    private static let state = Mutex<Result<PCSCTestStack, StackError>?>(nil)

    /// The process's stack, started on first use, on a thread of its own: starting it blocks
    /// for seconds, and the tests' cooperative pool has two threads that other suites need.
    public static func shared() async throws -> PCSCTestStack {
        try await blocking { try sharedStack() }
    }

    /// Runs blocking test set-up (processes, waits) on a thread of its own and awaits it.
    public static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    private static func sharedStack() throws -> PCSCTestStack {
        try state.withLock { state in
            if state == nil {
                state = Result { () throws(StackError) in
                    do {
                        return try PCSCTestStack()
                    } catch {
                        throw StackError("the PC/SC test stack did not start: \(error)")
                    }
                }
                atexit { PCSCTestStack.stopShared() }
            }
            return try state!.get()
        }
    }

    /// Stops the stack if it was started (atexit).
    static func stopShared() {
        let stack = state.withLock { try? $0?.get() }
        stack?.stop()
    }

    /// A stack of its own with `ukey emulator run --exchange EXCHANGE` (`apdu`, `tpdu`, `tpdu-t0`),
    /// beside the shared one: this process's libpcsclite stays with the shared pcscd, so it is
    /// reached through processes (`ukey`, OpenSC) with ``PCSCDHarness/socketPath``. Waits up to
    /// 15 s for every reader with a card (`ukey readers --json`). The caller stops it.
    public static func started(exchange: String) async throws -> PCSCTestStack {
        try await blocking { try PCSCTestStack(exchange: exchange) }
    }

    /// The ATR of the card in every reader of the stack.
    public let cardATR: [UInt8]

    private init(exchange: String? = nil) throws {
        var template = Array("/tmp/ukey-pcsc-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw StackError("mkdtemp failed: errno \(errno)") }
        directory = String(cString: made)
        let environment = ["UKEY_FACTORY_PIN": Self.factoryPIN, "UKEY_FACTORY_PUK": Self.factoryPUK,
                           "UKEY_FACTORY_PIV_PIN": Self.factoryPIVPIN, "UKEY_FACTORY_PIV_PUK": Self.factoryPIVPUK,
                           "UKEY_FACTORY_MGMKEY": Self.factoryManagementKey, "HOME": directory,
                           "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        do {
            emulator = try EmulatorProcess(arguments: ["--state", directory + "/state", "--listen", "127.0.0.1:0",
                                                       "--tokens", String(Self.busids.count), "--confirm", "external"]
                                                      + (exchange.map { ["--exchange", $0] } ?? []),
                                           environment: environment, listeners: 1)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        do {
            let address = emulator.addresses[0]
            let entries = Self.busids.map { busid in
                PCSCDHarness.ReaderEntry(friendlyName: "UKey \(busid)", deviceName: "usbip:\(address)/\(busid)",
                                         libraryPath: EmulatorProcess.driverLibrary!)
            }
            pcscd = try PCSCDHarness(readers: entries, debug: true)
        } catch {
            emulator.kill()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        do {
            if exchange != nil {
                (readers, cardATR) = try Self.findReadersWithCLI(socketPath: pcscd.socketPath)
            } else {
                readers = try Self.connectLibraryAndFindReaders(socketPath: pcscd.socketPath)
                cardATR = Self.atr
            }
        } catch {
            pcscd.stop()
            emulator.kill()
            try? FileManager.default.removeItem(atPath: directory)
            throw StackError("\(error)\npcscd log:\n\(pcscd.log.suffix(3000))")
        }
    }

    /// Points libpcsclite at the private pcscd (it caches the path at the first context), then
    /// waits up to 15 s for every token's reader with a card.
    private static func connectLibraryAndFindReaders(socketPath: String) throws -> [String] {
        let previous = getenv("PCSCLITE_CSOCK_NAME").map { String(cString: $0) }
        setenv("PCSCLITE_CSOCK_NAME", socketPath, 1)
        let context: PCSCContext
        do {
            context = try PCSCContext()
        } catch {
            throw StackError("SCardEstablishContext on \(socketPath): \(error)")
        }
        if let previous { setenv("PCSCLITE_CSOCK_NAME", previous, 1) } else { unsetenv("PCSCLITE_CSOCK_NAME") }
        let deadline = Date().addingTimeInterval(15)
        var seen: [String] = []
        while Date() < deadline {
            seen = (try? context.readers()) ?? []
            let names = busids.compactMap { busid in seen.first { $0.hasPrefix("UKey \(busid) ") } }
            if names.count == busids.count,
               let states = try? context.statusChange(names.map { PCSCReaderState(reader: $0) }, timeout: .seconds(1)),
               states.allSatisfy({ $0.isCardPresent && !$0.atr.isEmpty }) {
                return names
            }
            usleep(100_000)
        }
        throw StackError("not every reader UKey \(busids) with a card within 15 s; readers: \(seen)")
    }

    /// ``connectLibraryAndFindReaders(socketPath:)`` for a stack of its own, through `ukey readers
    /// --json` processes; the reader names and the ATR of the first.
    private static func findReadersWithCLI(socketPath: String) throws -> ([String], [UInt8]) {
        let binary = try EmulatorProcess.binary().path
        let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                           "PCSCLITE_CSOCK_NAME": socketPath]
        let deadline = Date().addingTimeInterval(15)
        var last = ""
        while Date() < deadline {
            let out = try TestProcess.run([binary, "readers", "--json"], environment: environment, timeout: 10)
            last = out.stdout + out.stderr
            let entries = (try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8))) as? [[String: Any]] ?? []
            let names = busids.compactMap { busid in
                entries.first { ($0["name"] as? String)?.hasPrefix("UKey \(busid) ") == true && ($0["hasCard"] as? Bool) == true }
            }
            if names.count == busids.count, let atr = names[0]["atr"] as? String, let bytes = [UInt8](hexATR: atr) {
                return (names.compactMap { $0["name"] as? String }, bytes)
            }
            usleep(200_000)
        }
        throw StackError("not every reader UKey \(busids) with a card within 15 s: \(last)")
    }

    /// Stops pcscd and the emulator and removes the directory.
    public func stop() {
        pcscd.stop()
        _ = emulator.terminate(timeout: 5)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `ukey emulator VERB [ARGUMENTS]` (remove, insert, press ok, …) for token `busid` against
    /// this emulator's control socket; throws when it fails.
    public func emulatorControl(_ verb: String, _ arguments: [String] = [], token busid: String = "1-1") async throws {
        _ = try await Self.blocking { try self.runEmulatorControl(verb, arguments, token: busid) }
    }

    /// The same, blocking; returns whether it succeeded, with its output.
    @discardableResult
    public func runEmulatorControl(_ verb: String, _ arguments: [String] = [], token busid: String = "1-1",
                                   mustSucceed: Bool = true) throws -> TestProcess.Output {
        let binary = try EmulatorProcess.binary().path
        let out = try TestProcess.run([binary, "emulator", verb] + arguments + ["--state", stateDirectory, "--token", busid],
                                      timeout: 30)
        guard out.status == 0 || !mustSucceed else { throw StackError("ukey emulator \(verb) failed:\n\(out)") }
        return out
    }

    /// Waits until the card of token `busid` is present (`true`) or absent, up to `timeout` seconds.
    public func waitForCard(present: Bool, token busid: String = "1-1", timeout: Double = 30) async throws {
        try await Self.blocking { try self.blockingWaitForCard(present: present, reader: self.reader(busid), timeout: timeout) }
    }

    private func blockingWaitForCard(present: Bool, reader: String, timeout: Double) throws {
        let context = try PCSCContext()
        defer { context.release() }
        let deadline = Date().addingTimeInterval(timeout)
        var state = PCSCReaderState(reader: reader)
        while Date() < deadline {
            if let now = try? context.statusChange([state], timeout: .milliseconds(500)).first {
                if now.isCardPresent == present && (!present || !now.atr.isEmpty) { return }
                state = now.next
            }
        }
        throw StackError("the card did not become \(present ? "present" : "absent") within \(timeout) s")
    }
}

extension Array where Element == UInt8 {
    /// Bytes from an even number of hex digits.
    public init?(hexATR text: String) {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        self = bytes
    }
}

/// A failure of the test stack, with what went wrong.
public struct StackError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
