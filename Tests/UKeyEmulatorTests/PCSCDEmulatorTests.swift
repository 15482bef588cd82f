import UKeyTestCA
import Foundation
import PCSCTestSupport
import Testing
import UKey
import UKeyControl
import UKeyEmulator
#if canImport(Glibc)
import Glibc
#endif

/// Stock pcscd + our libifd-ukey.so + the in-process emulator over USB/IP (TCP), with
/// libpcsclite clients in separate processes (`Scripts/pcsc_ctypes.py`). Everything started is
/// stopped on the way out, also on failure (`withEmulator`, `defer pcscd.stop()`).
@Suite("pcscd + libifd-ukey.so + the emulator", .serialized, .enabled(if: PCSCDClient.available))
struct PCSCDEmulatorTests {
    static let newPIN = "24681357"

    /// Runs `body` with an emulator of `tokens` tokens and a private pcscd with one reader each.
    func withStack(tokens: Int = 1, confirmation: ConfirmationMode = .approve, exchange: String = "apdu",
                   _ body: (EmulatorHarness, PCSCDHarness) async throws -> Void) async throws {
        try await withEmulator({
            $0.tokens = tokens
            $0.confirmation = confirmation
            try? $0.setExchange(named: exchange)
        }) { emulator in
            let pcscd = try PCSCDHarness(readers: PCSCDClient.readers(emulator), extraEnvironment: ["UKEY_DRIVER_TRACE": "1"])
            defer { pcscd.stop() }
            let names = try PCSCDClient.waitForReaders(tokens, pcscd)
            try #require(names.count == tokens, "pcscd lists every token:\n\(names)\n\(pcscd.log)")
            try await body(emulator, pcscd)
            #expect(pcscd.isRunning, "pcscd is still up at the end")
        }
    }

    @Test("--tokens 3 appears as three readers, each answering with its own serial")
    func threeTokensThreeReaders() async throws {
        try await withStack(tokens: 3) { emulator, pcscd in
            let names = try PCSCDClient.waitForReaders(3, pcscd)
            // One configuration file with the entries in bus id order: the names do not depend
            // on readdir order (issue 15 item 10: with reader-N files, 1-1 was `UKey 1-1 02 00`).
            #expect(names.sorted() == ["UKey 1-1 00 00", "UKey 1-2 01 00", "UKey 1-3 02 00"], "stable reader names: \(names)")
            for token in emulator.emulator.serials {
                #expect(names.contains { $0.hasPrefix("UKey \(token.busid) ") }, "reader for \(token.busid) in \(names)")
                let out = try PCSCDClient.run(["loop", "UKey \(token.busid)", "3"], pcscd)
                #expect(out.stdout.contains("OK 3 \(token.serial.uppercased())"), "\(token.busid) answers with its serial:\n\(out)")
            }
        }
    }

    @Test("two processes on two tokens at once, and two on one token with SCardBeginTransaction: correct, uninterleaved")
    func concurrentClients() async throws {
        try await withStack(tokens: 2) { emulator, pcscd in
            let serials = emulator.emulator.serials
            let rounds = "300"
            // Each pair of clients starts at a barrier (barrier:DIR:2), not at a guessed instant:
            // on a loaded machine starting Python and connecting can take longer than any guess,
            // and one client then ran its rounds alone.
            let barriers = try TemporaryDirectory()
            defer { barriers.remove() }
            try FileManager.default.createDirectory(atPath: barriers.file("plain"), withIntermediateDirectories: false)
            try FileManager.default.createDirectory(atPath: barriers.file("transaction"), withIntermediateDirectories: false)
            // Different tokens at the same time.
            let together = "barrier:" + barriers.file("plain") + ":2"
            let first = Self.runDetached(["loop", "UKey 1-1", rounds, "plain", "0", together], pcscd)
            let second = Self.runDetached(["loop", "UKey 1-2", rounds, "plain", "0", together], pcscd)
            let (a, b) = (try await first.value, try await second.value)
            #expect(a.stdout.contains("OK \(rounds) \(serials[0].serial.uppercased())"), "token 1-1:\n\(a)")
            #expect(b.stdout.contains("OK \(rounds) \(serials[1].serial.uppercased())"), "token 1-2:\n\(b)")

            // One token, two processes, every round inside a transaction.
            // Both start together and pause 2 ms between rounds (outside the transaction), and
            // 300 ms after every 30th round: a client waiting in SCardBeginTransaction asks pcscd
            // again only every 100 ms (libpcsclite's PCSCLITE_LOCK_POLL_RATE; pcscd keeps no
            // queue), so a 2 ms gap lets it in only by chance; a gap of three polls lets it in
            // whenever it waits. The rounds alternate at those points at least.
            let startAt = "barrier:" + barriers.file("transaction") + ":2"
            let third = Self.runDetached(["loop", "UKey 1-1", rounds, "transaction", "2/300@30", startAt], pcscd)
            let fourth = Self.runDetached(["loop", "UKey 1-1", rounds, "transaction", "2/300@30", startAt], pcscd)
            let (c, d) = (try await third.value, try await fourth.value)
            #expect(c.stdout.contains("OK \(rounds) \(serials[0].serial.uppercased())"), "first client:\n\(c.stderr)")
            #expect(d.stdout.contains("OK \(rounds) \(serials[0].serial.uppercased())"), "second client:\n\(d.stderr)")
            let left = Self.transactions(c.stdout), right = Self.transactions(d.stdout)
            #expect(left.count == Int(rounds)! && right.count == Int(rounds)!)
            let overlapping = left.filter { l in right.contains { r in l.start < r.end && r.start < l.end } }
            #expect(overlapping.isEmpty, "no two transactions on one token overlap in time: \(overlapping.prefix(3))")
            let ordered = (left.map { ($0.start, 0) } + right.map { ($0.start, 1) }).sorted { $0.0 < $1.0 }
            let handovers = zip(ordered, ordered.dropFirst()).filter { $0.1 != $1.1 }.count
            print("one token, 2 x \(rounds) transactions: the lock changed hands \(handovers) times")
            #expect(handovers >= 3, "the two clients' transactions alternated (not one after the other: that is 1)")
            if let l = left.first, let ll = left.last, let r = right.first, let rl = right.last {
                #expect(l.start < rl.end && r.start < ll.end, "the two clients ran at the same time (interleaved rounds)")
            }
        }
    }

    @Test("CONFIRM TRANSFER waits 30 s for `ukey emulator press ok` and completes through pcscd (the transcript)")
    func confirmWaitsThirtySeconds() async throws {
        try await withStack(confirmation: .external) { emulator, pcscd in
            // The transcript waits for the holder twice: the new transfer key (OK at once here)
            // and the transfer (OK after 30 s).
            let presser = Presser(emulator: emulator, delays: [0, 30])
            presser.start()
            defer { presser.cancel() }
            let result = try await runTranscript(pcscd)
            #expect(result.exchanges.count == 17, "every command of the transcript ran")
            #expect(presser.waits.count == 2, "the holder was asked twice, for the transfer key and the transfer: \(presser.waits)")
            let confirm = try #require(result.exchanges.first { $0.command.hasPrefix("80C0") || $0.command.hasPrefix("80 C0") })
            print("CONFIRM TRANSFER through pcscd took \(presser.waited) s of holder time; pressed: \(presser.pressOutput)")
            #expect(presser.waited >= 30, "the holder pressed OK only after 30 s")
            #expect(confirm.response.statusWord.rawValue == 0x9000)
        }
    }

    @Test("the personalize transcript through pcscd with --exchange tpdu (T=1 chaining, WTX while waiting for OK)")
    func transcriptOverTPDU() async throws {
        try await withStack(confirmation: .external, exchange: "tpdu") { emulator, pcscd in
            let presser = Presser(emulator: emulator, delay: 5)
            presser.start()
            defer { presser.cancel() }
            let result = try await runTranscript(pcscd)
            #expect(result.exchanges.count == 17, "every command of the transcript ran")
            #expect(presser.waits.count == 2 && presser.waits.allSatisfy { $0 >= 5 },
                    "GENERATE of the transfer key and CONFIRM each waited (WTX) for the press: \(presser.waits)")
            let log = pcscd.log
            #expect(log.contains("T=1 IFSD 254 accepted"), "the driver negotiated IFSD")
            #expect(log.contains(", M) ["), "a response longer than IFSD came chained (I-blocks with M)")
            #expect(log.contains("S(WTX request"), "the card asked for WTX while waiting for OK, and got it")
        }
    }

    @Test("the personalize transcript through pcscd with --exchange tpdu-t0: PPS and SetParameters, extended APDUs the short way, 6Cxx and 61xx handled by the driver")
    func transcriptOverT0() async throws {
        try await withStack(confirmation: .external, exchange: "tpdu-t0") { emulator, pcscd in
            let presser = Presser(emulator: emulator, delay: 2)
            presser.start()
            defer { presser.cancel() }
            let result = try await runTranscript(pcscd, extendedAPDUs: false)
            #expect(result.exchanges.count == 17, "every command of the transcript ran")
            #expect(presser.waits.count == 2, "GENERATE of the transfer key and CONFIRM each waited for the press: \(presser.waits)")
            let log = pcscd.log
            #expect(log.contains("PPS FF1013FC"), "the driver sent the PPS for TA1 13 (no automatic PPS)")
            #expect(log.contains("SetParameters"), "the driver set the T=0 parameters (no automatic negotiation)")
            #expect(log.contains("T=0 6C"), "a case 2 command met 6Cxx and was sent again")
            #expect(!log.contains("T=1 IFSD"), "no T=1 (no S(IFS)) on the T=0 connection")
        }
    }

    @Test("removing the card or stopping the emulator during a waiting transmit ends it, not the time-out; pcscd stays up")
    func removalAndEmulatorExitDuringTransmit() async throws {
        try await withStack(confirmation: .external) { emulator, pcscd in
            let presser = Presser(emulator: emulator, delay: 0)
            presser.start()
            _ = try await runTranscript(pcscd)
            presser.cancel()

            // Card removed while CONFIRM TRANSFER waits for the holder.
            var code = try await waitingConfirm(pcscd, emulator, awaitRemoval: true) {
                let reply = try emulator.control().request(.remove(token: "1-1"))
                try #require(reply == .slot(token: "1-1", present: false), "the emulator removed the card: \(reply)")
            }
            print("removal: \(String(format: "0x%08X", code.code)) after \(code.seconds) s, next call \(String(format: "0x%08X", code.next ?? 0)), after pcscd's event \(String(format: "0x%08X", code.afterRemoval ?? 0))")
            // pcscd maps the driver's IFD_ICC_NOT_PRESENT for the transmit in flight to
            // SCARD_E_NO_SMARTCARD; the handle's next call reports SCARD_W_REMOVED_CARD.
            #expect([PCSCDClient.SCARD_E_NO_SMARTCARD, PCSCDClient.SCARD_W_REMOVED_CARD].contains(code.code),
                    "removal ends the waiting transmit (no smart card / removed card)")
            // The handle's next call races pcscd's event thread (pcsc-lite 1.9: winscard.c,
            // eventhandler.c). A SCardTransmit the driver ends with IFD_ICC_NOT_PRESENT sets the
            // reader's state to SCARD_ABSENT but not the handles' event state; only the event
            // thread does that (RFSetReaderEventState(SCARD_REMOVED), with eventCounter++), once
            // our NotifySlotChange has woken it and IFDHICCPresence, which needs the mutex the
            // transmit held, has answered IFD_ICC_NOT_PRESENT. SCardTransmit checks the event state
            // first (SCARD_W_REMOVED_CARD), then SCARD_ABSENT (SCARD_E_NO_SMARTCARD): before the
            // event thread's turn the answer is no smart card, after it removed card. The driver
            // cannot order the two (it reports the removal both ways at once), so both are right
            // here; success (the removal not noticed) or any other error is not.
            #expect([PCSCDClient.SCARD_E_NO_SMARTCARD, PCSCDClient.SCARD_W_REMOVED_CARD].contains(code.next ?? 0),
                    "the client's next call fails with no smart card or removed card")
            // Once the event thread has counted the removal, the handle reports it, every time.
            #expect(code.removalSeen, "pcscd's event thread saw the removal (reader empty, event counter changed)")
            #expect(code.afterRemoval == PCSCDClient.SCARD_W_REMOVED_CARD,
                    "after pcscd's removal event the handle's calls get SCARD_W_REMOVED_CARD")
            #expect(code.seconds < 30, "a hang guard: the confirmation would wait 120 s")
            #expect(pcscd.isRunning)
            let inserted = try emulator.control().request(.insert(token: "1-1"))
            try #require(inserted == .slot(token: "1-1", present: true), "the emulator inserted the card: \(inserted)")
            var answer = ""
            for _ in 0..<50 {
                answer = try PCSCDClient.run(["transmit", "UKey 1-1", "00A4040006F0554B45590100"], pcscd).stdout
                if answer.contains("9000 ") { break }
                usleep(100_000)
            }
            #expect(answer.hasPrefix("RESPONSE 6F") && answer.contains("9000 "), "after insert the card works: \(answer)")

            // The emulator stops while CONFIRM TRANSFER waits.
            code = try await waitingConfirm(pcscd, emulator) { emulator.stopEmulator() }
            print("emulator stop: \(String(format: "0x%08X", code.code)) after \(code.seconds) s")
            // The driver reports the link lost mid-command as IFD_COMMUNICATION_ERROR, which
            // pcscd maps to SCARD_E_NOT_TRANSACTED (not IFD_NO_SUCH_DEVICE: see Reader.transmit).
            #expect([PCSCDClient.SCARD_E_NOT_TRANSACTED, PCSCDClient.SCARD_E_READER_UNAVAILABLE,
                     PCSCDClient.SCARD_W_REMOVED_CARD].contains(code.code),
                    "emulator exit ends the transmit with not transacted / reader unavailable / removed")
            #expect(code.seconds < 30, "a hang guard: the confirmation would wait 120 s")
            #expect(pcscd.isRunning, "pcscd survives the emulator's exit:\n\(pcscd.log.suffix(2000))")
        }
    }

    // MARK: helpers

    /// The personalization transcript (Tests/UKeyTests/Transcripts) over a ``PCSCDCardChannel``.
    func runTranscript(_ pcscd: PCSCDHarness, extendedAPDUs: Bool = true) async throws -> TranscriptResult {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("UKeyTests/Transcripts/personalize.ukey").path
        let transcript = try Transcript(parsing: String(contentsOfFile: path, encoding: .utf8))
        let channel = try PCSCDCardChannel(reader: "UKey 1-1", pcscd: pcscd, extendedAPDUs: extendedAPDUs)
        defer { channel.close() }
        let runner = TranscriptRunner(channel: channel, steps: TranscriptSteps.standard(ca: try TestCertificateAuthority()),
                                      environment: ["FACTORY_PIN": EmulatorHarness.factoryPIN, "PIN": Self.newPIN])
        return try await runner.run(transcript)
    }

    /// VERIFY + a CONFIRM TRANSFER that waits for the holder; once the token shows it, `action`;
    /// returns the PC/SC error the transmit ended with, how long after `action`, and the error of
    /// the handle's next call. With `awaitRemoval`, then waits (60 s guard) for pcscd's event
    /// thread to see the card removed and returns whether it did and the error of a call after.
    func waitingConfirm(_ pcscd: PCSCDHarness, _ emulator: EmulatorHarness, awaitRemoval: Bool = false,
                        _ action: () throws -> Void) async throws
        -> (code: UInt32, seconds: Double, next: UInt32?, removalSeen: Bool, afterRemoval: UInt32?)
    {
        let channel = try PCSCDCardChannel(reader: "UKey 1-1", pcscd: pcscd)
        defer { channel.close() }
        _ = try await channel.exchange([UInt8](hexString: "00A4040006F0554B45590100")!)
        let pin = Array(Self.newPIN.utf8)
        let verify = try await channel.exchange([0x00, 0x20, 0x00, 0x81, UInt8(pin.count)] + pin)
        try #require(verify == [0x90, 0x00], "VERIFY with the new PIN")
        let confirm = Task { () -> UInt32? in
            do {
                _ = try await channel.exchange(Self.confirmTransfer)
                return nil
            } catch let failure as PCSCDCardChannel.PCSCFailure {
                return failure.code
            }
        }
        // Task.sleep, not usleep: the CONFIRM task needs a thread of the cooperative pool (two
        // here, often both busy), and a blocked poll here could keep it from ever sending.
        for _ in 0..<100 where !(try Presser.isWaiting(emulator)) { try await Task.sleep(nanoseconds: 50_000_000) }
        let acted = Date()
        try action()
        let code = try #require(await confirm.value, "the waiting transmit ended with an error")
        let seconds = Date().timeIntervalSince(acted)
        let select = [UInt8](hexString: "00A4040006F0554B45590100")!
        var next: UInt32? = nil
        do {
            _ = try await channel.exchange(select)
        } catch let failure as PCSCDCardChannel.PCSCFailure {
            next = failure.code
        }
        guard awaitRemoval else { return (code, seconds, next, false, nil) }
        var removalSeen = true
        do { try await channel.waitForRemoval(seconds: 60) } catch {
            Issue.record("\(error)")
            removalSeen = false
        }
        var afterRemoval: UInt32? = nil
        do {
            _ = try await channel.exchange(select)
        } catch let failure as PCSCDCardChannel.PCSCFailure {
            afterRemoval = failure.code
        }
        return (code, seconds, next, removalSeen, afterRemoval)
    }

    static let confirmTransfer = [UInt8](hexString: "80C0000051"
        + "704F80164445383933373034303034343035333230313330303081095A68616E672053616E8207313233342E35368303434E59"
        + "840A496E766F696365203432851000112233445566778899AABBCCDDEEFF" + "00")!

    /// `pcsc_ctypes.py ARGUMENTS`, started now on a thread of its own (``BackgroundWork``).
    static func runDetached(_ arguments: [String], _ pcscd: PCSCDHarness) -> BackgroundWork<TestProcess.Output> {
        BackgroundWork { try PCSCDClient.run(arguments, pcscd, timeout: 120) }
    }

    static func transactions(_ output: String) -> [(start: Double, end: Double)] {
        output.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 3, parts[0] == "T", let start = Double(parts[1]), let end = Double(parts[2]) else { return nil }
            return (start, end)
        }
    }
}

/// The holder: each time token 1-1 waits for a confirmation, waits its delay and runs
/// `ukey emulator press ok` (the CLI binary) against the emulator's control socket.
final class Presser: @unchecked Sendable {
    let emulator: EmulatorHarness
    /// How long the holder waits before pressing OK: `delays[i]` for the i-th wait, the last one
    /// for every later wait.
    let delays: [Double]
    private let lock = NSLock()
    private var cancelled = false
    /// The seconds from each wait's start to its press, in order.
    private(set) var waits: [Double] = []
    private(set) var pressOutput = ""

    init(emulator: EmulatorHarness, delays: [Double]) {
        precondition(!delays.isEmpty)
        self.emulator = emulator
        self.delays = delays
    }

    convenience init(emulator: EmulatorHarness, delay: Double) {
        self.init(emulator: emulator, delays: [delay])
    }

    /// The last wait's holder time.
    var waited: Double { lock.withLock { waits.last ?? 0 } }

    static func isWaiting(_ emulator: EmulatorHarness) throws -> Bool {
        try emulator.status().tokens.first?.waiting == true
    }

    func start() {
        let thread = Thread { [self] in
            while !lock.withLock({ cancelled }) {
                guard (try? Self.isWaiting(emulator)) == true else {
                    usleep(50_000)
                    continue
                }
                let since = Date()
                let delay = lock.withLock { delays[min(waits.count, delays.count - 1)] }
                while Date().timeIntervalSince(since) < delay && !lock.withLock({ cancelled }) { usleep(50_000) }
                let binary = (try? EmulatorProcess.binary().path) ?? "/nonexistent"
                let out = try? TestProcess.run([binary, "emulator", "press", "ok", "--state", emulator.emulator.stateDirectory,
                                                "--token", "1-1"], timeout: 30)
                lock.withLock {
                    waits.append(Date().timeIntervalSince(since))
                    pressOutput = out.map { $0.stdout + $0.stderr } ?? "press failed to run"
                }
                usleep(200_000)
            }
        }
        thread.start()
    }

    func cancel() { lock.withLock { cancelled = true } }
}
