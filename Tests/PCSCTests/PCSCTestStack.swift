import Foundation
import PCSC
import PCSCTestSupport
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The PC/SC stack the integration tests talk to: `ukey emulator run` (a process, one token,
/// confirmations approved) on a private TCP port and state directory, and a private pcscd
/// (``PCSCDHarness``) whose one reader entry points the UKey driver at the emulator.
///
/// libpcsclite reads `PCSCLITE_CSOCK_NAME` once per process, at the first SCardEstablishContext
/// (pthread_once in winscard_msg.c), and keeps it. So there is one stack per test process:
/// started at the first ``shared()`` call, with the variable set just before the first context
/// and restored right after it, and stopped by an `atexit` handler. A start that fails is
/// remembered, and every later test reports the same failure.
final class PCSCTestStack: @unchecked Sendable {
    /// The reader entry's FRIENDLYNAME; pcscd appends the slot numbers (`UKey 1-1 00 00`).
    static let friendlyName = "UKey 1-1"
    /// `TokenFirmware.atr` (docs/ARCHITECTURE.md, "ATR").
    static let atr: [UInt8] = [0x3B, 0x8B, 0x80, 0x01, 0x80, 0xF9, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0xC8]

    let directory: String
    let emulator: EmulatorProcess
    let pcscd: PCSCDHarness
    /// The reader's PC/SC name.
    let reader: String

    /// Whether the machine has what the stack needs: pcscd and unshare, the built `ukey` and
    /// driver, libpcsclite.
    static var available: Bool {
        EmulatorProcess.driverLibrary != nil && PCSCDHarness.isAvailable && (try? EmulatorProcess.binary()) != nil
    }

    private static let state = Mutex<Result<PCSCTestStack, StackError>?>(nil)

    /// The process's stack, started on first use, on a thread of its own: starting it blocks
    /// for seconds, and the tests' cooperative pool has two threads that other suites need.
    static func shared() async throws -> PCSCTestStack {
        try await blocking { try sharedStack() }
    }

    /// Runs blocking test set-up (processes, waits) on a thread of its own and awaits it.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
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

    private init() throws {
        var template = Array("/tmp/ukey-pcsc-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw StackError("mkdtemp failed: errno \(errno)") }
        directory = String(cString: made)
        let environment = ["UKEY_FACTORY_PIN": "123456", "UKEY_FACTORY_PUK": "87654321", "HOME": directory,
                           "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        do {
            emulator = try EmulatorProcess(arguments: ["--state", directory + "/state", "--listen", "127.0.0.1:0",
                                                       "--confirm", "approve"],
                                           environment: environment, listeners: 1)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        do {
            let entry = PCSCDHarness.ReaderEntry(friendlyName: Self.friendlyName,
                                                 deviceName: "usbip:\(emulator.addresses[0])/1-1",
                                                 libraryPath: EmulatorProcess.driverLibrary!)
            pcscd = try PCSCDHarness(readers: [entry], debug: true)
        } catch {
            emulator.kill()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        do {
            reader = try Self.connectLibraryAndFindReader(socketPath: pcscd.socketPath)
        } catch {
            pcscd.stop()
            emulator.kill()
            try? FileManager.default.removeItem(atPath: directory)
            throw StackError("\(error)\npcscd log:\n\(pcscd.log.suffix(3000))")
        }
    }

    /// Points libpcsclite at the private pcscd (it caches the path at the first context), then
    /// waits up to 15 s for the token's reader with a card.
    private static func connectLibraryAndFindReader(socketPath: String) throws -> String {
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
            if let name = seen.first(where: { $0.hasPrefix(friendlyName) }),
               let state = try? context.statusChange([PCSCReaderState(reader: name)], timeout: .seconds(1)).first,
               state.isCardPresent, !state.atr.isEmpty {
                return name
            }
            usleep(100_000)
        }
        throw StackError("no reader \(friendlyName) with a card within 15 s; readers: \(seen)")
    }

    /// Stops pcscd and the emulator and removes the directory.
    func stop() {
        pcscd.stop()
        _ = emulator.terminate(timeout: 5)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `ukey emulator remove` / `insert` against this emulator's control socket.
    func emulatorControl(_ verb: String) async throws {
        try await Self.blocking { try self.runEmulatorControl(verb) }
    }

    private func runEmulatorControl(_ verb: String) throws {
        let binary = try EmulatorProcess.binary().path
        let out = try TestProcess.run([binary, "emulator", verb, "--state", directory + "/state", "--token", "1-1"],
                                      timeout: 30)
        guard out.status == 0 else { throw StackError("ukey emulator \(verb) failed:\n\(out)") }
    }

    /// Waits until the reader's card is present (`true`) or absent, up to `timeout` seconds.
    func waitForCard(present: Bool, timeout: Double = 10) async throws {
        try await Self.blocking { try self.blockingWaitForCard(present: present, timeout: timeout) }
    }

    private func blockingWaitForCard(present: Bool, timeout: Double) throws {
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

/// A failure of the test stack, with what went wrong.
struct StackError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
