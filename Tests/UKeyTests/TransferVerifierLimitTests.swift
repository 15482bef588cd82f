import Foundation
import Testing
import UKey

/// The bank's limits: per transfer and per UTC day, by currency, compared as exact decimals.
@Suite("TransferVerifier: limits")
struct TransferVerifierLimitTests {
    static let policy = BankPolicy(limits: ["CNY": TransferLimits(perTransfer: DecimalAmount("1000"), perDay: DecimalAmount("1500"))],
                                   defaultLimits: nil)

    func transfer(_ amount: String, currency: String = "CNY") -> Transfer {
        var transfer = BankFixtures.transfer
        transfer.amount = amount
        transfer.currency = currency
        return transfer
    }

    @Test("an amount over the per-transfer limit is refused; the limit itself is allowed")
    func overTransferLimit() async throws {
        let bank = try BankFixture(policy: Self.policy)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()
        let over = try await token.confirm(try verifier.issueChallenge(for: transfer("1000.001")))
        #expect(try verifier.verify(over)
                == .rejected(.overTransferLimit(amount: DecimalAmount("1000.001")!, limit: DecimalAmount("1000")!, currency: "CNY")))
        let atLimit = try await token.confirm(try verifier.issueChallenge(for: transfer("1000.00")))
        #expect(try verifier.verify(atLimit).isAccepted)
    }

    @Test("two transfers adding up to more than the daily limit: the second is refused; the next UTC day starts at zero")
    func overDailyLimit() async throws {
        let bank = try BankFixture(policy: Self.policy)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()
        let first = try await token.confirm(try verifier.issueChallenge(for: transfer("1000")))
        let second = try await token.confirm(try verifier.issueChallenge(for: transfer("500.01")))
        let third = try await token.confirm(try verifier.issueChallenge(for: transfer("500")))
        let v = try verifier.verify(first)
        #expect(v.isAccepted, "\(v)")
        #expect(try verifier.verify(second) == .rejected(.overDailyLimit(amount: DecimalAmount("500.01")!, acceptedToday: DecimalAmount("1000")!,
                                                                         limit: DecimalAmount("1500")!, currency: "CNY")))
        guard case .accepted(let details) = try verifier.verify(third) else {
            Issue.record("500 more reaches the daily limit exactly and is allowed")
            return
        }
        #expect(details.acceptedToday == DecimalAmount("1500"))

        bank.clock.advance(seconds: 86_400)
        let tomorrow = try await token.confirm(try verifier.issueChallenge(for: transfer("1000")))
        guard case .accepted(let next) = try verifier.verify(tomorrow) else {
            Issue.record("a new UTC day has its own limit")
            return
        }
        #expect(next.acceptedToday == DecimalAmount("1000"))
    }

    @Test("daily totals are per token: another token has its own")
    func dailyLimitPerToken() async throws {
        let bank = try BankFixture(policy: Self.policy)
        let verifier = try bank.verifier()
        let tokenA = try await BankFixtures.token(BankFixtures.serialA)
        let tokenB = try await BankFixtures.token(BankFixtures.serialB)
        #expect(try verifier.verify(try await tokenA.confirm(try verifier.issueChallenge(for: transfer("1000")))).isAccepted)
        #expect(try verifier.verify(try await tokenB.confirm(try verifier.issueChallenge(for: transfer("1000")))).isAccepted)
    }

    @Test("with an account holder named, the daily limit counts per holder across tokens")
    func dailyLimitPerHolder() async throws {
        let bank = try BankFixture(policy: Self.policy)
        let verifier = try bank.verifier()
        let tokenA = try await BankFixtures.token(BankFixtures.serialA)
        let tokenB = try await BankFixtures.token(BankFixtures.serialB)
        let first = try verifier.issueChallenge(for: transfer("1000"), accountHolder: "customer-7")
        let second = try verifier.issueChallenge(for: transfer("1000"), accountHolder: "customer-7")
        #expect(try verifier.verify(try await tokenA.confirm(first)).isAccepted)
        #expect(try verifier.verify(try await tokenB.confirm(second)).rejection?.code == "overDailyLimit")
    }

    @Test("a currency without limits in the policy is refused when the policy has no default")
    func currencyNotAllowed() async throws {
        let bank = try BankFixture(policy: Self.policy)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()
        let signed = try await token.confirm(try verifier.issueChallenge(for: transfer("10", currency: "EUR")))
        #expect(try verifier.verify(signed) == .rejected(.currencyNotAllowed("EUR")))
    }

    @Test("a refusal after a valid signature uses the challenge up; the counter and total do not move")
    func refusalConsumesChallenge() async throws {
        let bank = try BankFixture(policy: Self.policy)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()
        let issued = try verifier.issueChallenge(for: transfer("5000"))
        let over = try await token.confirm(issued)
        #expect(try verifier.verify(over).rejection?.code == "overTransferLimit")
        #expect(try verifier.verify(over) == .rejected(.challengeReused))
        // Counter 1 was refused, so not recorded: counter 2 is accepted and the day's total is 1000 only.
        let next = try await token.confirm(try verifier.issueChallenge(for: transfer("1000")))
        guard case .accepted(let details) = try verifier.verify(next) else {
            Issue.record("expected acceptance")
            return
        }
        #expect(details.counter == 2 && details.acceptedToday == DecimalAmount("1000"))
    }
}
