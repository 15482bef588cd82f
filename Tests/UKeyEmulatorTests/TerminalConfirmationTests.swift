import Foundation
import ISO7816
import PCSCTestSupport
import Testing
import UKey
#if canImport(Glibc)
import Glibc
#endif

/// `ukey emulator run --confirm ask` with its stdin, stdout and stderr on a pseudo-terminal: the
/// test reads the screen the emulator draws and types the OK / Cancel keys on the master side,
/// like a holder at a terminal would.
@Suite("--confirm ask on a pseudo-terminal (a real process)", .serialized, .tags(.process))
struct TerminalConfirmationTests {
    /// The transfer of the other emulator tests: account DE89370400440532013000, payee Zhang San,
    /// 1234.56 CNY, reference "Invoice 42".
    static let confirm = CrashSafetyTests.confirm
    static let newPIN = "24681357"   // what CCIDOverUSBIPTests.personalize sets

    /// The pages as `TransferRequest.pages` lays the transfer out (blocks of a label and its value
    /// lines, each after the `>` marker: the account in groups of four, other values hard-wrapped
    /// at 15 columns; a block that does not fit the rest of a page starts a new one).
    static let expectedPages: [[String]] = [
        ["To account:", ">DE89 3704 0044", ">0532 0130 00"],
        ["Payee:", ">Zhang San", "Amount:", ">1234.56 CNY"],
        ["Reference:", ">Invoice 42", "OK?"],
    ]

    @Test("the 4×16 screen is drawn page by page, Enter/o step and approve (9000 + signature), c and Esc cancel (6985); no secrets shown; the terminal is restored")
    func askOnTerminal() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let terminal = try PseudoTerminal()
        defer { terminal.close() }
        let original = try terminal.slaveSettings()
        let originalFlags = fcntl(terminal.slave, F_GETFL)   // the child's stdin shares this open file description
        try #require(originalFlags >= 0 && originalFlags & O_NONBLOCK == 0)
        try #require(original.c_lflag & tcflag_t(ICANON) != 0 && original.c_lflag & tcflag_t(ECHO) != 0,
                     "a fresh pty starts canonical with echo")

        let socket = directory.file("usbip.sock")
        let process = Process()
        process.executableURL = try EmulatorProcess.binary()
        process.arguments = ["emulator", "run", "--confirm", "ask", "--state", directory.file("state"),
                             "--listen", "unix:" + socket]
        process.environment = EmulatorProcessTests.environment(directory)
        let slave = FileHandle(fileDescriptor: terminal.slave, closeOnDealloc: false)
        process.standardInput = slave
        process.standardOutput = slave
        process.standardError = slave
        try process.run()
        defer {
            if process.isRunning {
                Glibc.kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }

        try terminal.waitFor("the listening line", from: 0) { $0.contains("usbip listening on unix:" + socket) }
        let raw = try terminal.slaveSettings()
        #expect(raw.c_lflag & tcflag_t(ICANON) == 0, "raw mode: no line buffering")
        #expect(raw.c_lflag & tcflag_t(ECHO) == 0, "raw mode: no echo")
        #expect(raw.c_lflag & tcflag_t(ISIG) != 0, "Ctrl-C still interrupts")

        let client = try USBIPTestClient("unix:" + socket)
        try #require(try client.importDevice("1-1").status == .ok)
        _ = try client.powerOn()
        // 0. A new transfer key waits for the holder too: its two pages, each turned with Enter.
        var keyMark = terminal.count
        try CCIDOverUSBIPTests.personalize(client) {
            let first = try terminal.waitForBox(page: 1, of: 2, from: keyMark)
            #expect(first.rows == ["New transfer key", ">RSA-1024", "Deletes the old", "key and its cert"].map(Self.row),
                    "the transfer key's screen")
            #expect(first.hint == "Enter/o: next page   c/Esc: Cancel")
            keyMark = terminal.count
            terminal.type([0x0D])
            let last = try terminal.waitForBox(page: 2, of: 2, from: keyMark)
            #expect(last.rows == ["OK?"].map(Self.row))
            #expect(last.hint == "Enter/o: OK (approve)   c/Esc: Cancel")
            terminal.type([0x0D])
        }

        // 1. Approve: Enter (CR), Enter (LF), then "o" on the last page.
        var mark = terminal.count
        var pending = PendingTransmit(client: client, apdu: Self.confirm)
        for (index, page) in Self.expectedPages.enumerated() {
            let box = try terminal.waitForBox(page: index + 1, of: Self.expectedPages.count, from: mark)
            #expect(box.rows == page.map(Self.row), "page \(index + 1) as the firmware lays it out")
            let last = index == Self.expectedPages.count - 1
            #expect(box.hint == (last ? "Enter/o: OK (approve)   c/Esc: Cancel" : "Enter/o: next page   c/Esc: Cancel"))
            #expect(pending.response(within: 0.2) == nil, "no answer before the holder approved (page \(index + 1))")
            mark = terminal.count
            terminal.type(index == 0 ? [0x0D] : index == 1 ? [0x0A] : Array("o".utf8))
        }
        let approved = try #require(pending.response(within: 30), "CONFIRM TRANSFER answered after OK on the last page")
        try #require(approved.suffix(2) == [0x90, 0x00], "approved: \(approved.suffix(2).hexString)")
        let body = try TLV(parsing: Array(approved.dropLast(2)))
        #expect(body.tag == 0x7C)
        let signature = try #require(try body.children().first(0x9E)?.value, "a signature (9E)")
        #expect(signature.count == 128, "an RSA-1024 signature")
        let counter = try CrashInvariants.signedCounter(Array(approved.dropLast(2)))
        try terminal.waitFor("the cleared line and the log", from: mark) {
            $0.contains("(1-1: screen cleared)") && $0.contains("ukey emulator: 1-1 signed counter \(counter)")
        }
        #expect(terminal.text.contains("ukey emulator: 1-1 screen 1/3: [To account:] [>DE89 3704 0044] [>0532 0130 00]"),
                "what the screen showed is logged")
        #expect(terminal.text.contains("ukey emulator: 1-1 screen 3/3: [Reference:] [>Invoice 42] [OK?]"))

        // 2. Cancel with "c" on the first page; an unrelated key does nothing.
        for (cancelKey, name) in [([UInt8(ascii: "c")], "c"), ([0x1B], "Esc")] {
            mark = terminal.count
            pending = PendingTransmit(client: client, apdu: Self.confirm)
            _ = try terminal.waitForBox(page: 1, of: 3, from: mark)
            mark = terminal.count
            terminal.type(Array("x".utf8))
            #expect(pending.response(within: 0.5) == nil, "'x' neither approves nor cancels")
            #expect(!terminal.text(from: mark).contains("┌"), "'x' does not turn the page")
            terminal.type(cancelKey)
            let denied = try #require(pending.response(within: 30), "CONFIRM TRANSFER answered after \(name)")
            #expect(denied == [0x69, 0x85], "\(name) cancels: \(denied.hexString)")
            try terminal.waitFor("the denial", from: mark) { $0.contains("(1-1: screen cleared)") && $0.contains("1-1 denied") }
        }

        // 2b. Type-ahead cannot approve: keys typed before a page is drawn are dropped, and a burst
        //     of keys is one press (three "o" at once on page 1 only turn to page 2).
        mark = terminal.count
        terminal.type(Array("ooo".utf8))
        pending = PendingTransmit(client: client, apdu: Self.confirm)
        _ = try terminal.waitForBox(page: 1, of: 3, from: mark)
        #expect(pending.response(within: 0.5) == nil, "keys typed before the page appeared do nothing")
        mark = terminal.count
        terminal.type(Array("ooo".utf8))
        _ = try terminal.waitForBox(page: 2, of: 3, from: mark)
        #expect(pending.response(within: 0.5) == nil, "a burst of three OKs is one press: no approval from page 1")
        #expect(!terminal.text(from: mark).contains("┌ 1-1 3/3"), "the burst did not reach page 3")
        terminal.type(Array("c".utf8))
        #expect(try #require(pending.response(within: 30)) == [0x69, 0x85])

        // 3. Nothing secret on the terminal; no factory secrets shown or written when they came
        //    from the environment.
        let everything = terminal.text
        #expect(!everything.contains(EmulatorHarness.factoryPIN), "the factory PIN is never shown")
        #expect(!everything.contains(EmulatorHarness.factoryPUK), "the PUK is never shown")
        #expect(!everything.contains(Self.newPIN), "the holder's PIN is never shown")
        #expect(!everything.contains("factory-secrets") && !everything.contains("factory secrets")
                && !everything.contains("factory PIN"), "no factory-secrets line")
        #expect(!FileManager.default.fileExists(atPath: directory.file("state/1-1/factory-secrets")))

        // 4. SIGTERM: a clean exit that gives the terminal its settings back.
        Glibc.kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(60)   // a guard: the exit is the event waited for
        while process.isRunning && Date() < deadline { usleep(10_000) }
        try #require(!process.isRunning, "the emulator stops on SIGTERM")
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        let restored = try terminal.slaveSettings()
        #expect(restored.c_lflag == original.c_lflag, "local modes restored")
        #expect(withUnsafeBytes(of: restored.c_cc) { Array($0) } == withUnsafeBytes(of: original.c_cc) { Array($0) },
                "control characters (VMIN/VTIME) restored")
        #expect(fcntl(terminal.slave, F_GETFL) == originalFlags,
                "the terminal's file status flags restored (no O_NONBLOCK left on the shell's stdin)")
    }

    /// `│text padded to 16│`.
    static func row(_ text: String) -> String {
        "│" + text + String(repeating: " ", count: 16 - text.unicodeScalars.count) + "│"
    }
}

/// A command that may wait for the holder (CONFIRM TRANSFER, GENERATE of the transfer key) sent
/// from another thread; its response read with a timeout.
final class PendingTransmit: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var result: Result<[UInt8], Error>?

    init(client: USBIPTestClient, apdu: [UInt8]) {
        Thread.detachNewThread { [self] in
            let outcome = Result { try client.transmit(apdu) }
            lock.withLock { result = outcome }
            done.signal()
        }
    }

    /// The response, or nil if none within `seconds`; a transport error is recorded as an issue.
    func response(within seconds: Double) -> [UInt8]? {
        if lock.withLock({ result == nil }) {
            guard done.wait(timeout: .now() + seconds) == .success else { return nil }
            done.signal()
        }
        switch lock.withLock({ result }) {
        case .success(let response): return response
        case .failure(let error):
            Issue.record("the waiting command failed: \(error)")
            return nil
        case nil: return nil
        }
    }
}

/// A pseudo-terminal from `openpty`: the child gets the slave; the master is read non-blockingly
/// by a background thread into ``text``, and ``type(_:)`` writes keys to it.
final class PseudoTerminal: @unchecked Sendable {
    let master: Int32
    let slave: Int32
    private let lock = NSLock()
    private var bytes: [UInt8] = []
    private var stopped = false
    private let reader = DispatchSemaphore(value: 0)

    init() throws {
        var master: Int32 = -1, slave: Int32 = -1
        guard openpty(&master, &slave, nil, nil, nil) == 0 else { throw TestClientError("openpty: errno \(errno)") }
        self.master = master
        self.slave = slave
        let flags = fcntl(master, F_GETFL)
        _ = fcntl(master, F_SETFL, flags | O_NONBLOCK)
        _ = fcntl(master, F_SETFD, FD_CLOEXEC)
        Thread.detachNewThread { [self] in readLoop() }
    }

    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !lock.withLock({ stopped }) {
            var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 50) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
            if count > 0 {
                lock.withLock { bytes.append(contentsOf: buffer[..<count]) }
            } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                usleep(20_000)   // EIO while no slave is open: keep polling until close()
            }
        }
        reader.signal()
    }

    /// Bytes read so far.
    var count: Int { lock.withLock { bytes.count } }

    /// Everything read, as text with the terminal's CRs removed.
    var text: String { text(from: 0) }

    func text(from offset: Int) -> String {
        let slice = lock.withLock { Array(bytes[min(offset, bytes.count)...]) }
        return String(decoding: slice, as: UTF8.self).replacingOccurrences(of: "\r", with: "")
    }

    /// Waits until the text read since `offset` satisfies `predicate`; throws after `timeout`.
    @discardableResult
    func waitFor(_ what: String, from offset: Int, timeout: Double = 30, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let seen = text(from: offset)
            if predicate(seen) { return seen }
            guard Date() < deadline else { throw TestClientError("no \(what) on the terminal; it shows:\n\(text)") }
            usleep(10_000)
        }
    }

    /// Waits for the complete box of page `page`/`pages` (top border, four rows, bottom border,
    /// key hint) drawn after `offset`.
    func waitForBox(page: Int, of pages: Int, from offset: Int) throws -> (rows: [String], hint: String) {
        let top = "┌ 1-1 \(page)/\(pages) "
        var found: (rows: [String], hint: String)?
        try waitFor("box for page \(page)/\(pages)", from: offset) { seen in
            let lines = seen.components(separatedBy: "\n")
            guard let start = lines.firstIndex(where: { $0.hasPrefix(top) }), lines.count > start + 7 else { return false }
            #expect(lines[start] == TerminalConfirmationTests.border(top: top), "the top border")
            #expect(lines[start + 5] == "└" + String(repeating: "─", count: 16) + "┘", "the bottom border")
            // The rows of the box (empty rows are the padding of a short page).
            let rows = Array(lines[(start + 1)...(start + 4)])
            found = (rows.filter { $0 != "│" + String(repeating: " ", count: 16) + "│" }, lines[start + 6])
            return true
        }
        return try #require(found)
    }

    /// Writes `keys` to the master (what the child reads from its stdin).
    func type(_ keys: [UInt8]) {
        let written = keys.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
        #expect(written == keys.count)
    }

    /// The slave's termios (the child's terminal settings).
    func slaveSettings() throws -> termios {
        var settings = termios()
        guard tcgetattr(slave, &settings) == 0 else { throw TestClientError("tcgetattr: errno \(errno)") }
        return settings
    }

    func close() {
        lock.withLock { stopped = true }
        reader.wait()
        Glibc.close(master)
        Glibc.close(slave)
    }
}

extension TerminalConfirmationTests {
    /// The top border: `┌ 1-1 1/3 ───────┐` (title padded to 16 columns with ─).
    static func border(top: String) -> String {
        let title = String(top.dropFirst())
        return "┌" + title + String(repeating: "─", count: 16 - title.unicodeScalars.count) + "┐"
    }
}
