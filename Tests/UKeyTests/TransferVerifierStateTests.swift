import UKeyBank
import Foundation
import Synchronization
import Testing
import UKey

/// The bank's state in its store (bank.sqlite): it survives a new verifier, it is shared safely
/// between verifiers racing for one challenge, dry runs leave it alone, and old challenges are purged.
@Suite("TransferVerifier: state in the bank directory")
struct TransferVerifierStateTests {
    @Test("a new verifier on the same directory refuses the used challenge and the old counter", arguments: Engine.allCases)
    func persistence(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let token = try await BankFixtures.token()
        let first = try bank.verifier()
        let earlier = try await token.confirm(try first.issueChallenge(for: BankFixtures.transfer))
        let later = try await token.confirm(try first.issueChallenge(for: BankFixtures.transfer))
        #expect(try first.verify(later).isAccepted)

        let second = try bank.verifier()
        #expect(try second.verify(later) == .rejected(.challengeReused))
        #expect(try second.verify(earlier) == .rejected(.counterNotIncreasing(last: 2, got: 1)))
        // And the first instance sees what the second wrote (earlier's challenge is now used).
        #expect(try first.verify(earlier) == .rejected(.challengeReused))
    }

    @Test("bank.sqlite is mode 0600, no state.json is written; a directory the bank creates is 0700")
    func fileModes() async throws {
        let bank = try BankFixture()
        _ = try bank.verifier().issueChallenge(for: BankFixtures.transfer)
        func mode(_ path: String) throws -> Int {
            try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        }
        #expect(try mode(bank.path(BankDirectory.databaseFileName)) == 0o600)
        #expect(!FileManager.default.fileExists(atPath: bank.path(BankDirectory.stateFileName)), "no JSON state any more")
        let fresh = bank.url.appendingPathComponent("sub")
        _ = try BankDirectory(fresh, create: true)
        #expect(try mode(fresh.path) == 0o700)
    }

    @Test("verifiers in eight threads race one signed transfer: exactly one accepts, the others see it reused", arguments: Engine.allCases)
    func race(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let token = try await BankFixtures.token()
        // Separate instances: separate SQLite connections, so the database's locking and the
        // conditional update (not an in-process mutex) decide, as between two `ukey transfer verify` processes.
        let verifiers = try (0..<8).map { _ in try bank.verifier() }
        for round in 0..<5 {
            let signed = try await token.confirm(try verifiers[0].issueChallenge(for: BankFixtures.transfer))
            let outcomes = await Self.race(verifiers) { try $0.verify(signed) }
            #expect(outcomes.filter { $0 == "accepted" }.count == 1, "round \(round): \(outcomes)")
            #expect(outcomes.filter { $0 == "challengeReused" }.count == 7, "round \(round): \(outcomes)")
        }
    }

    /// Runs `body` once per verifier, each on its own thread, released together; returns each
    /// outcome: `accepted`, the rejection code, or the error.
    static func race(_ verifiers: [TransferVerifier],
                     _ body: @escaping @Sendable (TransferVerifier) throws -> TransferVerdict) async -> [String] {
        let outcomes = Mutex<[String]>([])
        let go = Atomic<Bool>(false)
        let group = DispatchGroup()
        for verifier in verifiers {
            group.enter()
            Thread {
                while !go.load(ordering: .acquiring) {}
                let outcome: String
                do {
                    outcome = try body(verifier).rejection?.code ?? "accepted"
                } catch {
                    outcome = "error: \(error)"
                }
                outcomes.withLock { $0.append(outcome) }
                group.leave()
            }.start()
        }
        go.store(true, ordering: .releasing)
        await withCheckedContinuation { continuation in group.notify(queue: .global()) { continuation.resume() } }
        return outcomes.withLock { $0 }
    }

    /// Like ``race(_:_:)``, with each verdict or error itself.
    static func raceVerdicts(_ verifiers: [TransferVerifier],
                             _ body: @escaping @Sendable (TransferVerifier) throws -> TransferVerdict) async -> [Result<TransferVerdict, any Error>] {
        let outcomes = Mutex<[Result<TransferVerdict, any Error>]>([])
        let go = Atomic<Bool>(false)
        let group = DispatchGroup()
        for verifier in verifiers {
            group.enter()
            Thread {
                while !go.load(ordering: .acquiring) {}
                let outcome = Result { try body(verifier) }
                outcomes.withLock { $0.append(outcome) }
                group.leave()
            }.start()
        }
        go.store(true, ordering: .releasing)
        await withCheckedContinuation { continuation in group.notify(queue: .global()) { continuation.resume() } }
        return outcomes.withLock { $0 }
    }

    @Test("one verifier shared by many tasks accepts a transfer once", arguments: Engine.allCases)
    func sharedInstanceRace(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()
        let signed = try await token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))
        let verdicts = try await withThrowingTaskGroup(of: TransferVerdict.self) { group in
            for _ in 0..<8 { group.addTask { try verifier.verify(signed) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(verdicts.filter(\.isAccepted).count == 1, "\(verdicts)")
    }

    @Test("check is a dry run: it says accepted and changes nothing; verify then accepts once", arguments: Engine.allCases)
    func dryRun(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()
        let signed = try await token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))
        #expect(try verifier.check(signed).isAccepted)
        #expect(try verifier.check(signed).isAccepted)
        #expect(try verifier.tokenStatus(serial: BankFixtures.serialA) == nil, "the dry runs recorded nothing")
        #expect(try verifier.verify(signed).isAccepted)
        #expect(try verifier.check(signed) == .rejected(.challengeReused))
    }

    @Test("a challenge is remembered for the retention time after expiry, then forgotten (unknown)", arguments: Engine.allCases)
    func pruning(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine, policy: BankPolicy(challengeLifetimeSeconds: 60, challengeRetentionSeconds: 600))
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()
        let signed = try await token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))
        bank.clock.advance(seconds: 60 + 599)
        #expect(try verifier.verify(signed) == .rejected(.challengeExpired))
        bank.clock.advance(seconds: 1)
        _ = try verifier.issueChallenge(for: BankFixtures.transfer)   // issuing purges a batch
        #expect(try verifier.verify(signed) == .rejected(.unknownChallenge))
        #expect(try verifier.purgeChallenges() == 0, "the issue already purged the forgotten challenge")
    }

    @Test("the JSON form: verify(json:) accepts what `ukey transfer sign` writes; broken JSON is malformed", arguments: Engine.allCases)
    func json(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()
        let signed = try await token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))
        let json = Array(try JSONEncoder().encode(signed))
        #expect(try verifier.check(json: json).isAccepted)
        #expect(try verifier.verify(json: Array("{\"dtbs\": \"zz\"}".utf8)).rejection?.code == "malformed")
        let verdict = try verifier.verify(json: json)
        let encoded = String(decoding: try JSONEncoder().encode(verdict), as: UTF8.self)
        #expect(encoded.contains("\"verdict\":\"accepted\""))
        #expect(try JSONDecoder().decode(TransferVerdict.self, from: Data(encoded.utf8)) == verdict)
    }

    @Test("a directory without ca-cert.pem is refused with a hint; a corrupt state.json to import is reported, not dropped", arguments: Engine.allCases)
    func brokenDirectories(engine: Engine) throws {
        let bank = try BankFixture(engine: engine)
        try FileManager.default.removeItem(atPath: bank.path(BankDirectory.certificateFileName))
        #expect(throws: BankError.noTrustedCertificate(path: bank.path(BankDirectory.certificateFileName))) {
            try bank.verifier()
        }
        let other = try BankFixture(engine: engine)
        try Data("{\"version\": 1, \"challenges\": ".utf8).write(to: URL(fileURLWithPath: other.path(BankDirectory.stateFileName)))
        #expect {
            try other.verifier().issueChallenge(for: BankFixtures.transfer)
        } throws: { error in
            guard case BankError.corruptFile(let path, _) = error else { return false }
            return path == BankDirectory.stateFileName
        }
        #expect(FileManager.default.fileExists(atPath: other.path(BankDirectory.stateFileName)), "left in place for the bank to look at")
    }

    @Test("issueChallenge refuses a transfer the card would refuse", arguments: Engine.allCases)
    func invalidIntendedTransfer(engine: Engine) throws {
        let verifier = try BankFixture(engine: engine).verifier()
        for (amount, currency) in [("1e3", "CNY"), ("0", "CNY"), ("-5", "CNY"), ("10", "cny"), ("10", "CNYX")] {
            var transfer = BankFixtures.transfer
            transfer.amount = amount
            transfer.currency = currency
            #expect(throws: BankError.self) { try verifier.issueChallenge(for: transfer) }
        }
    }
}
