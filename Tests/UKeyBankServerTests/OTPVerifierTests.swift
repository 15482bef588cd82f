import Foundation
import Synchronization
import Testing
import UKey
import UKeyBank
import UKeyBankServer
import UKeyInProcess

/// A clock the test sets.
final class TestClock: Sendable {
    private let seconds: Mutex<TimeInterval>
    init(_ seconds: TimeInterval) { self.seconds = Mutex(seconds) }
    func set(_ value: TimeInterval) { seconds.withLock { $0 = value } }
    var now: @Sendable () -> Date { { [self] in Date(timeIntervalSince1970: seconds.withLock { $0 }) } }
}

/// The bank's OTP verifier on both engines: RFC 6238 / 4226 vectors at fixed times, replay, window
/// edges, HOTP resynchronisation, lock-out, the secret sealed at rest, and a code from the token's
/// OATH applet accepted.
@Suite(.serialized) struct OTPVerifierTests {
    static let sha1Seed = Array("12345678901234567890".utf8)
    static let sha256Seed = Array("12345678901234567890123456789012".utf8)
    static let sha512Seed = Array("1234567890123456789012345678901234567890123456789012345678901234".utf8)

    /// A bank (and its store on `engine`) with an OTP verifier on `clock`.
    static func open(_ engine: Engine, _ bank: TemporaryBank, clock: TestClock) throws -> OTPVerifier {
        let verifier = try BankService.makeVerifier(directory: bank.url, database: try engine.database())
        return try OTPVerifier(verifier, now: clock.now)
    }

    @Test(arguments: Engine.allCases)
    func rfc6238Vectors(engine: Engine) throws {
        let bank = try TemporaryBank()
        let clock = TestClock(0)
        let otp = try Self.open(engine, bank, clock: clock)
        for (name, algorithm, seed) in [("sha1", OTPAlgorithm.sha1, Self.sha1Seed), ("sha256", .sha256, Self.sha256Seed),
                                        ("sha512", .sha512, Self.sha512Seed)] {
            #expect(try otp.enroll(OTPEnrollment(holder: "alice", name: name, kind: .totp, algorithm: algorithm, digits: 8, secret: seed)))
        }
        let vectors: [(TimeInterval, [String])] = [
            (59, ["94287082", "46119246", "90693936"]),
            (1_111_111_109, ["07081804", "68084774", "25091201"]),
            (1_111_111_111, ["14050471", "67062674", "99943326"]),
            (1_234_567_890, ["89005924", "91819424", "93441116"]),
            (2_000_000_000, ["69279037", "90698825", "38618901"]),
            (20_000_000_000, ["65353130", "77737706", "47863826"]),
        ]
        for (time, codes) in vectors {
            clock.set(time)
            for (name, code) in zip(["sha1", "sha256", "sha512"], codes) {
                #expect(try otp.verify(holder: "alice", name: name, code: code) == .accepted, "\(name) at \(time)")
            }
        }
        #expect(try otp.verify(holder: "alice", name: "nope", code: "12345678") == .rejected(.unknownCredential))
        #expect(try otp.verify(holder: "bob", name: "sha1", code: "12345678") == .rejected(.unknownCredential))
    }

    @Test(arguments: Engine.allCases)
    func rfc4226VectorsAndResynchronisation(engine: Engine) throws {
        let bank = try TemporaryBank()
        let otp = try Self.open(engine, bank, clock: TestClock(1_700_000_000))
        #expect(try otp.enroll(OTPEnrollment(holder: "alice", name: "hotp", kind: .hotp, secret: Self.sha1Seed)))
        let rfc = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
        for code in rfc { #expect(try otp.verify(holder: "alice", name: "hotp", code: code) == .accepted) }
        // Counter 9 was used: its code again is wrong (the counter moved past it).
        #expect(try otp.verify(holder: "alice", name: "hotp", code: rfc[9]) == .rejected(.wrongCode))

        #expect(try otp.enroll(OTPEnrollment(holder: "alice", name: "resync", kind: .hotp, secret: Self.sha1Seed)))
        let code = { (counter: UInt64) in OTPVerifier.code(secret: Self.sha1Seed, counter: counter) }
        #expect(try otp.verify(holder: "alice", name: "resync", code: code(5)) == .accepted)   // skipped 0–4: resynchronised
        #expect(try otp.verify(holder: "alice", name: "resync", code: code(3)) == .rejected(.wrongCode))
        #expect(try otp.verify(holder: "alice", name: "resync", code: code(6)) == .accepted)
        // Expected 7: the look-ahead is 7…16; 17 is outside, 16 the last inside.
        #expect(try otp.verify(holder: "alice", name: "resync", code: code(17)) == .rejected(.wrongCode))
        #expect(try otp.verify(holder: "alice", name: "resync", code: code(16)) == .accepted)
        #expect(try otp.verify(holder: "alice", name: "resync", code: code(17)) == .accepted)
    }

    @Test(arguments: Engine.allCases)
    func totpReplayAndWindowEdges(engine: Engine) throws {
        let bank = try TemporaryBank()
        let clock = TestClock(1_700_000_000)
        let otp = try Self.open(engine, bank, clock: clock)
        let seed = Self.sha256Seed
        #expect(try otp.enroll(OTPEnrollment(holder: "alice", name: "totp", kind: .totp, algorithm: .sha256, digits: 6, secret: seed)))
        let step = UInt64(1_700_000_000 / 30)
        let code = { (step: UInt64) in OTPVerifier.code(secret: seed, counter: step, algorithm: .sha256) }
        #expect(try otp.verify(holder: "alice", name: "totp", code: code(step - 2)) == .rejected(.wrongCode))
        #expect(try otp.verify(holder: "alice", name: "totp", code: code(step + 2)) == .rejected(.wrongCode))
        #expect(try otp.verify(holder: "alice", name: "totp", code: code(step - 1)) == .accepted)
        #expect(try otp.verify(holder: "alice", name: "totp", code: code(step - 1)) == .rejected(.codeReused))
        #expect(try otp.verify(holder: "alice", name: "totp", code: code(step + 1)) == .accepted)
        // At or before the last accepted step: never again, even inside the window.
        #expect(try otp.verify(holder: "alice", name: "totp", code: code(step)) == .rejected(.codeReused))
        #expect(try otp.verify(holder: "alice", name: "totp", code: code(step + 1)) == .rejected(.codeReused))
        // The last second of a step and the first of the next.
        clock.set(TimeInterval((step + 3) * 30 - 1))
        #expect(try otp.verify(holder: "alice", name: "totp", code: code(step + 3)) == .accepted)
        clock.set(TimeInterval((step + 4) * 30))
        #expect(try otp.verify(holder: "alice", name: "totp", code: code(step + 3)) == .rejected(.codeReused))
        #expect(try otp.verify(holder: "alice", name: "totp", code: code(step + 5)) == .accepted)
    }

    /// 8 threads send the same TOTP code and the same HOTP code at once: one acceptance each, and
    /// the failures of the others counted exactly (5, then locked out).
    @Test(arguments: Engine.allCases)
    func racingThreadsAcceptACodeOnce(engine: Engine) throws {
        let bank = try TemporaryBank()
        let time: TimeInterval = 1_700_000_000
        let otp = try Self.open(engine, bank, clock: TestClock(time))
        #expect(try otp.enroll(OTPEnrollment(holder: "alice", name: "totp", secret: Self.sha1Seed)))
        #expect(try otp.enroll(OTPEnrollment(holder: "alice", name: "hotp", kind: .hotp, secret: Self.sha1Seed)))
        let totp = OTPVerifier.code(secret: Self.sha1Seed, counter: UInt64(time / 30))
        let verdicts = Mutex<[String: [OTPVerdict]]>([:])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            let (name, code) = index % 2 == 0 ? ("totp", totp) : ("hotp", "755224")
            do {
                let verdict = try otp.verify(holder: "alice", name: name, code: code)
                verdicts.withLock { $0[name, default: []].append(verdict) }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        let all = verdicts.withLock { $0 }
        #expect(all["totp"]?.filter { $0 == .accepted }.count == 1)
        // The 7 others, serialized by the store: 5 failures counted exactly, then the lock-out.
        #expect(all["totp"]?.filter { $0 == .rejected(.codeReused) }.count == 5)
        #expect(all["totp"]?.filter { $0 == .rejected(.lockedOut) }.count == 2)
        #expect(all["hotp"]?.filter { $0 == .accepted }.count == 1)
        #expect(all["hotp"]?.filter { $0 == .rejected(.wrongCode) }.count == 5)
        #expect(all["hotp"]?.filter { $0 == .rejected(.lockedOut) }.count == 2)
    }

    @Test(arguments: Engine.allCases)
    func lockOutAfterFiveFailures(engine: Engine) throws {
        let bank = try TemporaryBank()
        let otp = try Self.open(engine, bank, clock: TestClock(1_700_000_000))
        #expect(try otp.enroll(OTPEnrollment(holder: "alice", name: "hotp", kind: .hotp, secret: Self.sha1Seed)))
        let code = { (counter: UInt64) in OTPVerifier.code(secret: Self.sha1Seed, counter: counter) }
        let wrong = code(100)
        // Four failures, a success resets the count, four more: still not locked.
        for _ in 0..<4 { #expect(try otp.verify(holder: "alice", name: "hotp", code: wrong) == .rejected(.wrongCode)) }
        #expect(try otp.verify(holder: "alice", name: "hotp", code: code(0)) == .accepted)
        for _ in 0..<4 { #expect(try otp.verify(holder: "alice", name: "hotp", code: wrong) == .rejected(.wrongCode)) }
        #expect(try otp.verify(holder: "alice", name: "hotp", code: code(1)) == .accepted)
        // Five in a row: locked, even the right code.
        for _ in 0..<5 { #expect(try otp.verify(holder: "alice", name: "hotp", code: wrong) == .rejected(.wrongCode)) }
        #expect(try otp.verify(holder: "alice", name: "hotp", code: code(2)) == .rejected(.lockedOut))
        #expect(try otp.unlock(holder: "alice", name: "hotp"))
        #expect(try otp.verify(holder: "alice", name: "hotp", code: code(2)) == .accepted)
        #expect(try !otp.unlock(holder: "alice", name: "none"))
    }

    @Test func secretIsSealedAtRest() throws {
        let bank = try TemporaryBank()
        let otp = try Self.open(.sqlite, bank, clock: TestClock(1_700_000_000))
        let seed = Array("UKEY-OTP-SEED-MARKER-0123456789".utf8)
        #expect(try otp.enroll(OTPEnrollment(holder: "alice", name: "totp", secret: seed)))
        #expect(try otp.verify(holder: "alice", name: "totp", code: OTPVerifier.code(secret: seed, counter: 1_700_000_000 / 30)) == .accepted)
        var stored = Data()
        for name in ["bank.sqlite", "bank.sqlite-wal"] {
            if let bytes = FileManager.default.contents(atPath: bank.url.appendingPathComponent(name).path) { stored += bytes }
        }
        #expect(stored.count > 0)
        for needle in [seed, Array(seed.hexString.utf8), Array(seed.hexString.lowercased().utf8), Array("UKEY-OTP-SEED".utf8)] {
            #expect(stored.range(of: Data(needle)) == nil)
        }
        let keyPath = bank.url.appendingPathComponent(OTPSealingKey.fileName).path
        let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect((attributes[.size] as? NSNumber)?.intValue == 32)

        // Another key (a replaced otp.key) does not open the row: an error, never an acceptance.
        let other = OTPVerifier(directory: bank.url, store: otp.store,
                                    environment: [OTPSealingKey.environmentVariable: String(repeating: "ab", count: 32)],
                                    now: TestClock(1_700_000_100).now)
        #expect(throws: BankError.self) { try other.verify(holder: "alice", name: "totp", code: "123456") }
    }

    @Test func badEnrollmentIsRefusedWithItsField() throws {
        let bank = try TemporaryBank()
        let otp = try Self.open(.sqlite, bank, clock: TestClock(0))
        let cases: [(OTPEnrollment, String)] = [
            (OTPEnrollment(holder: "", name: "a", secret: Self.sha1Seed), "holder"),
            (OTPEnrollment(holder: "h", name: "", secret: Self.sha1Seed), "name"),
            (OTPEnrollment(holder: "h", name: "a", digits: 5, secret: Self.sha1Seed), "digits"),
            (OTPEnrollment(holder: "h", name: "a", digits: 9, secret: Self.sha1Seed), "digits"),
            (OTPEnrollment(holder: "h", name: "a", period: 0, secret: Self.sha1Seed), "period"),
            (OTPEnrollment(holder: "h", name: "a", secret: [1, 2, 3]), "secret"),
        ]
        for (enrollment, field) in cases {
            let error = #expect(throws: BankError.self) { _ = try otp.enroll(enrollment) }
            guard case .invalidOTPCredential(let refused, _)? = error else {
                Issue.record("\(field): \(String(describing: error))")
                continue
            }
            #expect(refused == field)
        }
        #expect(try otp.enroll(OTPEnrollment(holder: "h", name: "a", secret: Self.sha1Seed)))
        #expect(try !otp.enroll(OTPEnrollment(holder: "h", name: "a", secret: Self.sha1Seed)))
    }

    /// A code the token's OATH applet computes (in process, through the host library's
    /// OATHSession) is accepted by the bank; the same code again is refused.
    @Test(arguments: Engine.allCases)
    func codeFromTheTokensAppletIsAccepted(engine: Engine) async throws {
        let bank = try TemporaryBank()
        let time: UInt64 = 1_765_000_000
        let otp = try Self.open(engine, bank, clock: TestClock(TimeInterval(time)))
        let seed = Self.sha256Seed
        #expect(try otp.enroll(OTPEnrollment(holder: "alice", name: "bank", kind: .totp, algorithm: .sha256, digits: 8, secret: seed)))
        #expect(try otp.enroll(OTPEnrollment(holder: "alice", name: "bank-hotp", kind: .hotp, secret: seed)))

        let token = try InProcessToken.manufactured(serial: [0x55, 0x4B, 0, 0, 0, 0, 0, 0x19], pin: "123456", puk: "87654321")
        let session = OATHSession(channel: token)
        try await session.add(OATHNewAccount(name: "bank", kind: .totp, algorithm: .sha256, digits: 8, secret: Secret(bytes: seed)))
        try await session.add(OATHNewAccount(name: "bank-hotp", kind: .hotp, secret: Secret(bytes: seed)))
        let totp = try #require(try await session.codes(at: time, matching: "bank").first?.code)
        #expect(try otp.verify(holder: "alice", name: "bank", code: totp) == .accepted)
        #expect(try otp.verify(holder: "alice", name: "bank", code: totp) == .rejected(.codeReused))
        for _ in 0..<3 {
            let hotp = try #require(try await session.codes(at: time, matching: "bank-hotp").first?.code)
            #expect(try otp.verify(holder: "alice", name: "bank-hotp", code: hotp) == .accepted)
        }
    }
}
