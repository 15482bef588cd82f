import BankTestSupport
import UKeyBank
import UKeyBankPostgres
import Foundation
import Testing
import UKey

/// The store under the verifier: token status, migrations, the policy in the store seeded by
/// policy.json, and races of many threads on many transfers with exact counters and totals.
@Suite("BankStore: SQLite in the bank directory, PostgreSQL on a private cluster")
struct BankStoreTests {
    @Test("tokenStatus: nil for a token never seen; after an acceptance its counter and today's totals; suspension shows", arguments: Engine.allCases)
    func tokenStatus(engine: Engine) throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        #expect(try verifier.tokenStatus(serial: BankFixtures.serialA) == nil)
        let token = try SoftwareToken()
        #expect(try verifier.verify(try token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))).isAccepted)
        #expect(try verifier.verify(try token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))).isAccepted)
        let status = try #require(try verifier.tokenStatus(serial: BankFixtures.serialA))
        #expect(status.lastCounter == 2 && !status.suspended)
        #expect(status.acceptedToday == ["CNY": DecimalAmount("200")!] && status.overallToday == DecimalAmount("200")!)
        token.counter = 0
        _ = try verifier.verify(try token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer)))
        #expect(try verifier.tokenStatus(serial: BankFixtures.serialA)?.suspended == true)
        let json = try JSONEncoder().encode(try #require(try verifier.tokenStatus(serial: BankFixtures.serialA)))
        #expect(try JSONDecoder().decode(BankTokenStatus.self, from: json).lastCounter == 2)
    }

    @Test("the schema is migrated once at open; a second open finds it current and keeps the data", arguments: Engine.allCases)
    func migrations(engine: Engine) throws {
        let bank = try BankFixture(engine: engine)
        func open() throws -> SQLBankStore {
            try bank.database.map { try SQLBankStore.postgres($0) } ?? SQLBankStore.sqlite(path: bank.path(BankDirectory.databaseFileName))
        }
        let store = try open()
        #expect(try store.schemaVersion() == 3)
        #expect(try store.policyVersion() == 0)
        let first = try store.setPolicy(BankPolicy(maxCounterStep: 5), source: nil)
        let again = try open()
        #expect(try again.schemaVersion() == 3)
        #expect(try again.policy()?.maxCounterStep == 5)
        #expect(try again.setPolicy(BankPolicy(maxCounterStep: 6), source: nil) == first + 1, "every setPolicy raises the version")
        #expect(try store.policyVersion() == first + 1)
    }

    @Test("policy.json seeds the store; a policy set in the store stays until policy.json changes", arguments: Engine.allCases)
    func policyInTheStore(engine: Engine) throws {
        let bank = try BankFixture(engine: engine, policy: BankPolicy(maxCounterStep: 10))
        #expect(try bank.verifier().policy.maxCounterStep == 10)
        try bank.verifier().setPolicy(BankPolicy(maxCounterStep: 20))
        #expect(try bank.verifier().policy.maxCounterStep == 20, "the store's policy, policy.json unchanged")
        try BankDirectory(bank.url).savePolicy(BankPolicy(maxCounterStep: 30))
        #expect(try bank.verifier().policy.maxCounterStep == 30, "a changed policy.json seeds the store again")
        try FileManager.default.removeItem(atPath: bank.path(BankDirectory.policyFileName))
        #expect(try bank.verifier().policy.maxCounterStep == 30, "without policy.json the store's policy holds")
    }

    @Test("a policy set through verifier B governs verifier A's next challenge and verification at once, without reopening A",
          arguments: Engine.allCases)
    func policyChangeReachesOpenVerifiers(engine: Engine) throws {
        let bank = try BankFixture(engine: engine)
        let a = try bank.verifier()
        let b = try bank.verifier()
        let token = try SoftwareToken()
        let before = try a.issueChallenge(for: BankFixtures.transfer)
        let limit = DecimalAmount("50")!
        let stricter = BankPolicy(currencies: ["CNY": CurrencyPolicy(minorDigits: 2, perTransfer: limit, rate: .one)], maxCounterStep: 7)
        try b.setPolicy(stricter)
        let over = TransferRejection.overTransferLimit(amount: DecimalAmount("100.00")!, limit: limit, currency: "CNY")
        #expect(throws: BankError.refusedByPolicy(over)) { try a.issueChallenge(for: BankFixtures.transfer) }
        #expect(try a.verify(try token.confirm(before)) == .rejected(over), "a challenge issued under the old policy is verified under the new one")
        #expect(a.policy == stricter)
        // And back: B loosens again, A accepts without reopening.
        try b.setPolicy(.default)
        #expect(try a.verify(try token.confirm(try a.issueChallenge(for: BankFixtures.transfer))).isAccepted)
        #expect(a.policy == .default)
    }

    @Test("the private cluster listens on a unix socket only, in a 0700 directory of postgres's: no other user reaches it")
    func clusterPrivacy() throws {
        _ = try PostgresCluster.makeDatabase()
        let cluster = try PostgresCluster.shared.get()
        for directory in [cluster.root, cluster.socketDirectory] {
            var info = stat()
            #expect(stat(directory, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o700, "\(directory)")
            #expect(info.st_uid == getpwnam("postgres").pointee.pw_uid, "\(directory)")
        }
        #expect(FileManager.default.fileExists(atPath: cluster.socketDirectory + "/.s.PGSQL.5432"))
    }

    @Test("a PostgreSQL connection the server closed fails its one call, then the pool opens a new one")
    func closedConnection() throws {
        let bank = try BankFixture(engine: .postgres)
        let verifier = try bank.verifier()
        _ = try verifier.issueChallenge(for: BankFixtures.transfer)
        try SQLBankStore.postgres(try #require(bank.database)).execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database()")
        #expect(throws: BankError.self) { try verifier.issueChallenge(for: BankFixtures.transfer) }
        _ = try verifier.issueChallenge(for: BankFixtures.transfer)
    }

    @Test("PostgreSQL: a recorded verification is three round trips (BEGIN + its reads, its writes, COMMIT), a check two, issuing a challenge three")
    func postgresRoundTrips() throws {
        let bank = try BankFixture(engine: .postgres)
        let verifier = try bank.verifier()
        let store = try #require(verifier.store as? SQLBankStore)
        let token = try SoftwareToken()
        // The first ones prepare their statements on the connection (a round trip each, once):
        // a new token's INSERTs, then a known token's UPDATEs.
        for _ in 0..<2 {
            let signed = try token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))
            #expect(try verifier.check(signed).isAccepted)
            #expect(try verifier.verify(signed).isAccepted)
        }
        for _ in 0..<3 {
            var before = store.pool.idleRoundTrips
            let issued = try verifier.issueChallenge(for: BankFixtures.transfer)
            #expect(store.pool.idleRoundTrips - before == 3, "issue: BEGIN + policy, INSERT + purge, COMMIT")
            let signed = try token.confirm(issued)
            before = store.pool.idleRoundTrips
            #expect(try verifier.check(signed).isAccepted)
            #expect(store.pool.idleRoundTrips - before == 2, "check: BEGIN + reads, COMMIT")
            before = store.pool.idleRoundTrips
            #expect(try verifier.verify(signed).isAccepted)
            #expect(store.pool.idleRoundTrips - before == 3, "verify: BEGIN + reads, writes, COMMIT")
        }
        #expect(try verifier.tokenStatus(serial: BankFixtures.serialA)?.lastCounter == 5)
    }

    @Test("dry-run checks of one transfer decode its challenge's stored transfer once; verdicts unchanged", arguments: Engine.allCases)
    func checkDecodesChallengeOnce(engine: Engine) throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let store = try #require(verifier.store as? SQLBankStore)
        let token = try SoftwareToken()
        let signed = try token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))
        let before = store.challengeDecodes
        for _ in 0..<20 { #expect(try verifier.check(signed).isAccepted) }
        #expect(store.challengeDecodes - before == 1)
        #expect(try verifier.verify(signed).isAccepted)
        #expect(try verifier.check(signed) == .rejected(.challengeReused))
        let other = try token.confirm(try verifier.issueChallenge(for: Transfer(payeeAccount: "1234567890", payeeName: "Bob",
                                                                               amount: "5.00", currency: "CNY")))
        guard case .accepted(let accepted) = try verifier.check(other) else { Issue.record("check refused"); return }
        #expect(accepted.transfer.payeeName == "Bob")
    }

    @Test("8 threads, each its own verifier, race every one of 40 transfers from distinct tokens: one acceptance each, totals exact", arguments: Engine.allCases)
    func raceManyTokens(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        try await BankRace.run(verifiers: (0..<8).map { _ in try bank.verifier() }, transfers: 40, clock: bank.clock)
    }
}

/// Signed transfers from distinct tokens (one holder), each sent to every verifier at once.
enum BankRace {
    static func run(verifiers: [TransferVerifier], transfers: Int, clock: TestClock) async throws {
        let holder = "race-\(UUID().uuidString)"
        var acceptedTotals: [DecimalAmount] = []
        var expectedTotals: [DecimalAmount] = []
        var day = 0.0
        for index in 0..<transfers {
            // On a loaded machine the loop outlasts the clock's minute ahead: each certificate is
            // issued at the real time, so the bank's clock must stay ahead of it.
            clock.keepAhead()
            // Daily totals count per UTC day: a run across midnight starts again at 100.
            let today = (clock.now.timeIntervalSince1970 / 86_400).rounded(.down)
            expectedTotals.append(DecimalAmount(thousandths: today == day ? (expectedTotals.last?.thousandths ?? 0) + 100_000 : 100_000))
            day = today
            let serial: [UInt8] = [0x55, 0x4B, 0x52, 0x00, 0x00, 0x00, UInt8(index >> 8), UInt8(index & 0xFF)]
            let signer = try SoftwareTransferSigner(serial: serial)
            let issued = try verifiers[0].issueChallenge(for: BankFixtures.transfer, tokenSerial: serial, accountHolder: holder)
            let signed = try signer.sign(issued, counter: 1)
            let verdicts = await TransferVerifierStateTests.raceVerdicts(verifiers) { try $0.verify(signed) }
            let accepted = verdicts.compactMap { verdict -> AcceptedTransfer? in
                if case .success(.accepted(let accepted)) = verdict { return accepted }
                return nil
            }
            let reused = verdicts.filter { if case .success(.rejected(.challengeReused)) = $0 { return true } else { return false } }
            #expect(accepted.count == 1 && reused.count == verifiers.count - 1, "transfer \(index): \(verdicts)")
            acceptedTotals += accepted.map(\.acceptedToday)
            #expect(try verifiers.last!.tokenStatus(serial: serial)?.lastCounter == 1, "transfer \(index): the counter moved once")
        }
        // Each acceptance raised the holder's total by 100 from the one before: none lost, none twice.
        #expect(acceptedTotals == expectedTotals)
    }
}
