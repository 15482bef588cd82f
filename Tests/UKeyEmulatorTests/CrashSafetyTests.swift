import Foundation
import ISO7816
import PCSCTestSupport
import Testing
import UKey
#if canImport(Glibc)
import Glibc
#endif

/// Crash safety through the real process: `ukey emulator run` is SIGKILLed at random moments
/// while a USB/IP client runs wrong and correct VERIFYs, CONFIRM TRANSFERs and UNBLOCKs; after
/// every restart the token info must agree with ``CrashInvariants`` (USB/IP, not vpcd: see
/// shared/notes/vpcd.md).
@Suite("crash safety: SIGKILL the emulator process", .serialized, .tags(.process))
struct CrashSafetyTests {
    static let pin = Array("24681357".utf8)
    /// UNBLOCK must set a PIN other than the blocked one (6900 otherwise): the test alternates
    /// between these two.
    static let pins = [pin, Array("13572468".utf8)]
    static let wrongPIN = Array("11110000".utf8)
    static let select: [UInt8] = [0x00, 0xA4, 0x04, 0x0C, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]
    static let getData: [UInt8] = [0x00, 0xCA, 0x01, 0x00, 0x00]
    static let confirm: [UInt8] = {
        let transfer = [UInt8](hex: "704F80164445383933373034303034343035333230313330303081095A68616E672053616E8207313233342E35368303434E59840A496E766F696365203432851000112233445566778899AABBCCDDEEFF")!
        return [0x80, 0xC0, 0x00, 0x00, UInt8(transfer.count)] + transfer + [0x00]
    }()
    static func verify(_ pin: [UInt8]) -> [UInt8] { [0x00, 0x20, 0x00, 0x81, UInt8(pin.count)] + pin }
    static var verifyWrong: [UInt8] { [0x00, 0x20, 0x00, 0x81, UInt8(wrongPIN.count)] + wrongPIN }
    static func unblock(to pin: [UInt8]) -> [UInt8] {
        let puk = Array(EmulatorHarness.factoryPUK.utf8)
        return [0x00, 0x2C, 0x00, 0x81, UInt8(2 + puk.count + pin.count), UInt8(puk.count)] + puk + [UInt8(pin.count)] + pin
    }

    /// One start of the emulator on the test's state directory and unix socket.
    static func start(_ directory: TemporaryDirectory) throws -> EmulatorProcess {
        try EmulatorProcess(arguments: ["--state", directory.file("state"), "--listen", "unix:" + directory.file("u.sock"),
                                        "--confirm", "approve"],
                            environment: EmulatorProcessTests.environment(directory), listeners: 1)
    }

    /// Imports 1-1, powers on, selects the applet and reads the token info.
    static func open(_ process: EmulatorProcess) throws -> (USBIPTestClient, tries: Int, pukTries: Int, counter: UInt32) {
        let client = try USBIPTestClient(process.addresses[0])
        guard try client.importDevice("1-1").status == .ok else { throw TestClientError("import refused") }
        _ = try client.powerOn()
        guard try client.transmit(select) == [0x90, 0x00] else { throw TestClientError("SELECT failed") }
        let info = try client.transmit(getData)
        guard info.suffix(2) == [0x90, 0x00] else { throw TestClientError("GET DATA: \(info.hexString)") }
        let parsed = try CrashInvariants.tokenInfo(Array(info.dropLast(2)))
        return (client, parsed.tries, parsed.pukTries, parsed.counter)
    }

    /// SIGKILL from another thread after `delay` seconds; `wait()` joins it.
    final class Killer: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        init(pid: pid_t, delay: Double) {
            Thread.detachNewThread { [done] in
                usleep(UInt32(delay * 1_000_000))
                // The test reaps the emulator only after wait(), so the pid is still ours.
                Glibc.kill(pid, SIGKILL)
                done.signal()
            }
        }
        func wait() { done.wait() }
    }

    @Test("≥ 200 SIGKILLs at random moments: tries never restored, counter never repeated or lost, state always opens")
    func randomKills() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var generator = SystemRandomNumberGenerator()

        // Personalize once: PIN changed, RSA-1024 key.
        var model: CrashInvariants
        do {
            let process = try Self.start(directory)
            defer { process.kill() }
            let client = try USBIPTestClient(process.addresses[0])
            #expect(try client.importDevice("1-1").status == .ok)
            _ = try client.powerOn()
            try CCIDOverUSBIPTests.personalize(client)
            let (tries, _, counter) = try CrashInvariants.tokenInfo(Array(try client.transmit(Self.getData).dropLast(2)))
            model = CrashInvariants(maxTries: tries, tries: tries, counter: counter)
            try #require(tries >= 2)
        }

        let iterations = 300
        var kills = 0, signatures = 0, interrupted = 0, deterministic = 0, unblocks = 0, wrongAnswered = 0
        let started = Date()
        // Which of `pins` the token holds, and whether the last round was killed with an UNBLOCK
        // in flight (it only runs on a blocked PIN, so 3 tries after the restart mean it landed).
        var currentPIN = 0
        var unblockWasInFlight = false
        for iteration in 0..<iterations {
            let process = try Self.start(directory)  // throws (fails the test) if the state does not open
            defer { process.kill() }
            let (client, tries, pukTries, counter) = try Self.open(process)
            if let violation = model.apply(.tokenInfo(tries: tries, counter: counter)) {
                Issue.record("after kill \(kills): \(violation)")
                break
            }
            // Every 10th round is killed right after a CONFIRM's response, the others at random.
            // A kill during an UNBLOCK costs a PUK try (tries are spent before the check, and
            // only a finished UNBLOCK restores them), so once the PUK is down to 2 tries the
            // round is not killed at random either: its UNBLOCK finishes and restores them.
            // (Rounds killed mid-UNBLOCK come in runs when the machine is slow.)
            let killAfterConfirm = iteration % 10 == 9 || pukTries <= 2
            let killer = killAfterConfirm ? nil : Killer(pid: process.process.processIdentifier,
                                                        delay: Double.random(in: 0...0.040, using: &generator))
            if unblockWasInFlight && tries == model.maxTries { currentPIN = 1 - currentPIN }
            unblockWasInFlight = false
            var currentTries = tries
            var verified = false
            operations: for _ in 0..<400 {
                enum Operation { case wrong, correct, confirm, unblock }
                let operation: Operation
                if currentTries == 0 { operation = .unblock }
                else if killAfterConfirm && !verified { operation = .correct }
                else if killAfterConfirm { operation = .confirm }
                else {
                    let roll = Int.random(in: 0..<10, using: &generator)
                    operation = roll < 4 ? .wrong : roll < 6 ? .correct : (verified ? .confirm : .correct)
                }
                let violation: String?
                do {
                    switch operation {
                    case .wrong:
                        _ = model.apply(.wrongPINInFlight)
                        let response = try client.transmit(Self.verifyWrong)
                        let left: Int
                        if response.count == 2 && response[0] == 0x63 && response[1] & 0xF0 == 0xC0 { left = Int(response[1] & 0x0F) }
                        else if response == [0x69, 0x83] { left = 0 }
                        else { Issue.record("wrong VERIFY answered \(response.hexString)"); break operations }
                        verified = false
                        currentTries = left
                        wrongAnswered += 1
                        violation = model.apply(.wrongPINAnswered(triesLeft: left))
                    case .correct, .unblock:
                        _ = model.apply(operation == .correct ? .correctPINInFlight : .unblockInFlight)
                        unblockWasInFlight = operation == .unblock
                        let response = try client.transmit(operation == .correct ? Self.verify(Self.pins[currentPIN])
                                                                                 : Self.unblock(to: Self.pins[1 - currentPIN]))
                        unblockWasInFlight = false
                        guard response == [0x90, 0x00] else {
                            Issue.record("\(operation == .correct ? "VERIFY" : "UNBLOCK") answered \(response.hexString)")
                            break operations
                        }
                        if operation == .unblock {
                            unblocks += 1
                            currentPIN = 1 - currentPIN
                        }
                        verified = true
                        currentTries = model.maxTries
                        violation = model.apply(.pinRestored)
                    case .confirm:
                        _ = model.apply(.confirmInFlight)
                        let response = try client.transmit(Self.confirm)
                        guard response.suffix(2) == [0x90, 0x00] else {
                            Issue.record("CONFIRM answered \(response.suffix(2).hexString)")
                            break operations
                        }
                        signatures += 1
                        violation = model.apply(.signed(counter: try CrashInvariants.signedCounter(Array(response.dropLast(2)))))
                        if killAfterConfirm {
                            Glibc.kill(process.process.processIdentifier, SIGKILL)
                            deterministic += 1
                            break operations
                        }
                    }
                } catch {
                    interrupted += 1  // the kill cut the connection with a command in flight
                    break operations
                }
                if let violation {
                    Issue.record("round \(iteration): \(violation)")
                    return
                }
            }
            killer?.wait()
            let status = ChildProcesses.wait(process.process, timeout: 30)
            if status == 128 + SIGKILL {
                kills += 1
            } else {
                Issue.record("round \(iteration): the emulator exited by itself (status \(status.map(String.init) ?? "still running"))")
                break
            }
            if Date().timeIntervalSince(started) > 150 { break }
        }
        // The last restart: the state opens and agrees with everything seen.
        let final = try Self.start(directory)
        defer { final.kill() }
        let (_, tries, _, counter) = try Self.open(final)
        #expect(model.check(tries: tries, counter: counter) == nil, "\(model.check(tries: tries, counter: counter) ?? "")")
        print("crash safety: \(kills) kills (\(deterministic) right after a CONFIRM's response, \(interrupted) with a command in flight),"
              + " \(signatures) signatures, \(wrongAnswered) wrong VERIFYs answered, \(unblocks) UNBLOCKs,"
              + " \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        #expect(kills >= 200, "at least 200 SIGKILLs")
        #expect(interrupted > 0, "some kills landed with a command in flight")
        #expect(deterministic >= 20, "kills right after a CONFIRM's response")
        #expect(signatures > deterministic, "random rounds signed too")
        #expect(model.signedCounters.count == signatures, "every signed counter is distinct")
    }
}
