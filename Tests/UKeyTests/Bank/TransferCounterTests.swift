import UKeyBank
import Foundation
import Testing
import UKey

/// Issue 13, "Counters" and "A restored token goes unnoticed": a counter may move by at most
/// the policy's step; a counter at or below the last accepted one is a late replay — unless its
/// challenge was issued after that acceptance, which only a copied card can sign: then the token
/// is suspended until the bank lifts it.
@Suite("TransferVerifier: counters, restored tokens, suspension")
struct TransferCounterTests {
    @Test("a counter more than maxCounterStep past the last one (or past 0 for a new token) is refused; the challenge is used, the counter not moved",
          arguments: Engine.allCases,
          [(nil, 1001, false), (nil, 1000, true), (5, 1005, true), (5, 1006, false), (5, UInt32.max, false)] as [(UInt32?, UInt32, Bool)])
    func counterJump(engine: Engine, _ row: (last: UInt32?, got: UInt32, accepted: Bool)) throws {
        let (last, got, accepted) = row
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try SoftwareToken()
        if let last {
            token.counter = last - 1
            #expect(try verifier.verify(try token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))).isAccepted)
        }
        token.counter = got - 1
        let signed = try token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))
        let verdict = try verifier.verify(signed)
        if accepted {
            #expect(verdict.isAccepted, "\(verdict)")
            return
        }
        #expect(verdict == .rejected(.counterJumped(last: last, got: got, maxStep: 1000)))
        #expect(try verifier.verify(signed) == .rejected(.challengeReused), "the challenge is used up")
        token.counter = (last ?? 0)
        #expect(try verifier.verify(try token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))).isAccepted,
                "the counter did not move: the next genuine one is accepted")
    }

    @Test("the step comes from the policy", arguments: Engine.allCases)
    func policyStep(engine: Engine) throws {
        let bank = try BankFixture(engine: engine, policy: BankPolicy(maxCounterStep: 3))
        let verifier = try bank.verifier()
        let token = try SoftwareToken()
        token.counter = 3
        #expect(try verifier.verify(try token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer)))
                == .rejected(.counterJumped(last: nil, got: 4, maxStep: 3)))
    }

    @Test("a late replay: a signature withheld over a challenge issued before the last acceptance is counterNotIncreasing, no suspension", arguments: Engine.allCases)
    func lateReplay(engine: Engine) throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try SoftwareToken()
        // Malware has the holder approve a transfer, withholds it, and the next one goes through.
        let withheld = try token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))
        #expect(try verifier.verify(try token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))).isAccepted)
        #expect(try verifier.verify(withheld) == .rejected(.counterNotIncreasing(last: 2, got: 1)))
        #expect(try !verifier.isSuspended(tokenSerial: BankFixtures.serialA))
        #expect(try verifier.verify(try token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))).isAccepted)
    }

    @Test("challenges issued before an acceptance in another order: still a replay, not a clone (issue order is exact, not by the second)", arguments: Engine.allCases)
    func issuedBeforeInAnyOrder(engine: Engine) throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try SoftwareToken()
        let first = try verifier.issueChallenge(for: BankFixtures.transfer)
        let second = try verifier.issueChallenge(for: BankFixtures.transfer)   // same second as `first`
        let signedSecond = try token.confirm(second)   // counter 1
        let signedFirst = try token.confirm(first)     // counter 2
        #expect(try verifier.verify(signedFirst).isAccepted)
        #expect(try verifier.verify(signedSecond) == .rejected(.counterNotIncreasing(last: 2, got: 1)))
        #expect(try !verifier.isSuspended(tokenSerial: BankFixtures.serialA))
    }

    @Test("a restored token: a counter at or below the last one over a challenge issued after it → counterRegressed and suspended; unsuspend clears it",
          arguments: Engine.allCases, [UInt32(11), 12])
    func restoredToken(engine: Engine, _ restoredCounter: UInt32) throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let genuine = try SoftwareToken()
        genuine.counter = 10
        // The genuine card confirms 11 and 12; a copy of its state at 10 (or 11) is restored later.
        for _ in 0..<2 { #expect(try verifier.verify(try genuine.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))).isAccepted) }
        let copy = try SoftwareToken()
        copy.counter = restoredCounter - 1
        // Issued in the same second as the acceptance: the sequence number, not the clock, decides.
        let verdict = try verifier.verify(try copy.confirm(try verifier.issueChallenge(for: BankFixtures.transfer)))
        #expect(verdict == .rejected(.counterRegressed(last: 12, got: restoredCounter)))
        #expect(try verifier.isSuspended(tokenSerial: BankFixtures.serialA))

        // Every later transfer of the token is refused, the genuine card's too, and no challenge
        // is issued for it by serial.
        let later = try genuine.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))
        #expect(try verifier.verify(later) == .rejected(.tokenSuspended(serial: "554B00000000000A")))
        #expect(throws: BankError.tokenSuspended(serial: "554B00000000000A")) {
            try verifier.issueChallenge(for: BankFixtures.transfer, tokenSerial: BankFixtures.serialA)
        }
        // Another token is not affected; a new verifier (another process) sees the suspension.
        #expect(try verifier.verify(try SoftwareToken(serial: BankFixtures.serialB).confirm(try verifier.issueChallenge(for: BankFixtures.transfer))).isAccepted)
        #expect(try bank.verifier().isSuspended(tokenSerial: BankFixtures.serialA))

        #expect(try verifier.unsuspend(tokenSerial: BankFixtures.serialA))
        #expect(try !verifier.unsuspend(tokenSerial: BankFixtures.serialA), "nothing left to lift")
        #expect(try verifier.verify(try genuine.confirm(try verifier.issueChallenge(for: BankFixtures.transfer, tokenSerial: BankFixtures.serialA))).isAccepted)
    }

    @Test("a dry run reports counterRegressed without suspending", arguments: Engine.allCases)
    func dryRunDoesNotSuspend(engine: Engine) throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try SoftwareToken()
        #expect(try verifier.verify(try token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))).isAccepted)
        token.counter = 0
        let copy = try token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))
        #expect(try verifier.check(copy) == .rejected(.counterRegressed(last: 1, got: 1)))
        #expect(try !verifier.isSuspended(tokenSerial: BankFixtures.serialA))
    }

    @Test("a version 1 state.json is imported once: its counters hold, its challenges count as issued before; the file is renamed", arguments: Engine.allCases)
    func stateVersion1(engine: Engine) throws {
        let issuer = try BankFixture(engine: engine)
        let token = try SoftwareToken()
        let old = try issuer.verifier().issueChallenge(for: BankFixtures.transfer)
        let issued = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(old)) as? [String: Any])
        let challenges: [String: Any] = [old.challenge.hexString: ["expiresAt": issued["expiresAt"]!, "issued": issued]]
        let version1: [String: Any] = ["version": 1, "challenges": challenges, "lastCounters": ["554B00000000000A": 7], "dailyTotals": [:]]
        let bank = try BankFixture(engine: engine, clock: issuer.clock)
        try JSONSerialization.data(withJSONObject: version1).write(to: URL(fileURLWithPath: bank.path(BankDirectory.stateFileName)))

        let migrated = try bank.verifier()
        #expect(!FileManager.default.fileExists(atPath: bank.path(BankDirectory.stateFileName)))
        #expect(FileManager.default.fileExists(atPath: bank.path(BankDirectory.importedStateFileName)))
        token.counter = 6
        #expect(try migrated.verify(try token.confirm(old)) == .rejected(.counterNotIncreasing(last: 7, got: 7)),
                "a version 1 challenge was issued before the version 1 acceptance")
        token.counter = 7
        #expect(try migrated.verify(try token.confirm(try migrated.issueChallenge(for: BankFixtures.transfer))).isAccepted)
        // The same file again (copied back by hand) is not imported twice.
        try JSONSerialization.data(withJSONObject: version1).write(to: URL(fileURLWithPath: bank.path(BankDirectory.stateFileName)))
        #expect(try bank.verifier().tokenStatus(serial: BankFixtures.serialA)?.lastCounter == 8)
    }
}
