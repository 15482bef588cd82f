import UKeyBank
import Foundation
import Testing
import UKey

/// The bank's limits (issue 13, "Limits"): only listed currencies; per transfer and per UTC day
/// in each currency; an overall daily limit in the base currency over all currencies, converted
/// at the policy's rates rounding up; at most the currency's minor digits. Exact decimals only.
@Suite("TransferVerifier: limits")
struct TransferVerifierLimitTests {
    static let policy = BankPolicy(currencies: ["CNY": CurrencyPolicy(minorDigits: 2, perTransfer: DecimalAmount("1000"),
                                                                      perDay: DecimalAmount("1500"), rate: .one)])

    /// Four currencies of 50,000 per transfer and 100,000 a day each, 100,000 CNY a day in all.
    static let generous = BankPolicy(dailyLimit: DecimalAmount("100000")!, currencies: [
        "CNY": CurrencyPolicy(minorDigits: 2, perTransfer: DecimalAmount("50000"), perDay: DecimalAmount("100000"), rate: .one),
        "USD": CurrencyPolicy(minorDigits: 2, perTransfer: DecimalAmount("50000"), perDay: DecimalAmount("100000"), rate: ExchangeRate("7.1")!),
        "EUR": CurrencyPolicy(minorDigits: 2, perTransfer: DecimalAmount("50000"), perDay: DecimalAmount("100000"), rate: ExchangeRate("7.8")!),
        "KWD": CurrencyPolicy(minorDigits: 3, perTransfer: DecimalAmount("50000"), perDay: DecimalAmount("100000"), rate: ExchangeRate("23.5")!),
    ])

    /// The issue's example policy: CNY 50,000 / 100,000, USD 7,000 / 14,000 at 7.1.
    static let example = BankPolicy(dailyLimit: DecimalAmount("100000")!, currencies: [
        "CNY": CurrencyPolicy(minorDigits: 2, perTransfer: DecimalAmount("50000"), perDay: DecimalAmount("100000"), rate: .one),
        "USD": CurrencyPolicy(minorDigits: 2, perTransfer: DecimalAmount("7000"), perDay: DecimalAmount("14000"), rate: ExchangeRate("7.1")!),
    ])

    func transfer(_ amount: String, currency: String = "CNY") -> Transfer {
        var transfer = BankFixtures.transfer
        transfer.amount = amount
        transfer.currency = currency
        return transfer
    }

    /// A verifier on `bank`'s directory after it put another policy in the store (every verifier
    /// on the store applies it from its next operation on).
    func verifier(_ bank: BankFixture, policy: BankPolicy) throws -> TransferVerifier {
        try bank.verifier(policy: policy)
    }

    /// What the bank says to one flood transfer: `accepted`, a rejection code, or
    /// `issue: CODE` when it refused to issue a challenge.
    func outcome(_ verifier: TransferVerifier, _ token: SoftwareToken, _ amount: String, _ currency: String) throws -> String {
        let result = Result { () throws(BankError) in try verifier.issueChallenge(for: transfer(amount, currency: currency)) }
        switch result {
        case .success(let issued): return try verifier.verify(try token.confirm(issued)).rejection?.code ?? "accepted"
        case .failure(.refusedByPolicy(let rejection)): return "issue: " + rejection.code
        case .failure(let error): throw error
        }
    }

    @Test("the per-currency flood: 5 × 50,000 in CNY, USD, EUR, KWD, ZZZ against 100,000 a day", arguments: Engine.allCases, [
        ("each currency 50,000 a transfer", generous, ["accepted", "overOverallDailyLimit", "overOverallDailyLimit",
                                                       "overOverallDailyLimit", "issue: currencyNotAllowed"]),
        ("the issue's example policy", example, ["accepted", "issue: overTransferLimit", "issue: currencyNotAllowed",
                                                 "issue: currencyNotAllowed", "issue: currencyNotAllowed"]),
        ("no policy.json: CNY only", BankPolicy.default, ["accepted", "issue: currencyNotAllowed", "issue: currencyNotAllowed",
                                                          "issue: currencyNotAllowed", "issue: currencyNotAllowed"]),
    ] as [(String, BankPolicy, [String])])
    func flood(engine: Engine, _ row: (name: String, policy: BankPolicy, expected: [String])) throws {
        let (name, policy, expected) = row
        let bank = try BankFixture(engine: engine, policy: policy)
        let verifier = try bank.verifier()
        let token = try SoftwareToken()
        let outcomes = try ["CNY", "USD", "EUR", "KWD", "ZZZ"].map { try outcome(verifier, token, "50000", $0) }
        #expect(outcomes == expected, "\(name)")
    }

    @Test("the overall limit sums every currency converted at its rate, rounding up", arguments: Engine.allCases)
    func overallAcrossCurrencies(engine: Engine) throws {
        let bank = try BankFixture(engine: engine, policy: Self.generous)
        let verifier = try bank.verifier()
        let token = try SoftwareToken()
        #expect(try verifier.verify(try token.confirm(try verifier.issueChallenge(for: transfer("50000")))).isAccepted)
        // 7,042.25 USD × 7.1 = 49,999.975 CNY, rounded up to 49,999.98: 99,999.98 in all.
        guard case .accepted(let usd) = try verifier.verify(try token.confirm(try verifier.issueChallenge(for: transfer("7042.25", currency: "USD"))))
        else {
            Issue.record("7042.25 USD fits under the overall limit")
            return
        }
        #expect(usd.overallToday == DecimalAmount("99999.98") && usd.baseCurrency == "CNY" && usd.acceptedToday == DecimalAmount("7042.25"))
        // 0.003 KWD × 23.5 = 0.0705 CNY, rounded up to 0.08: 100,000.06 > 100,000.
        let kwd = try verifier.verify(try token.confirm(try verifier.issueChallenge(for: transfer("0.003", currency: "KWD"))))
        #expect(kwd == .rejected(.overOverallDailyLimit(amount: DecimalAmount("0.003")!, currency: "KWD", converted: DecimalAmount("0.08")!,
                                                        acceptedToday: DecimalAmount("99999.98")!, limit: DecimalAmount("100000")!,
                                                        baseCurrency: "CNY")))
        // 0.02 CNY reaches 100,000 exactly.
        guard case .accepted(let last) = try verifier.verify(try token.confirm(try verifier.issueChallenge(for: transfer("0.02")))) else {
            Issue.record("0.02 CNY reaches the overall limit exactly")
            return
        }
        #expect(last.overallToday == DecimalAmount("100000"))
    }

    @Test("an amount over the per-transfer limit gets no challenge; if the policy changed since, the verifier refuses it", arguments: Engine.allCases)
    func overTransferLimit(engine: Engine) throws {
        let bank = try BankFixture(engine: engine, policy: Self.policy)
        let verifier = try bank.verifier()
        let token = try SoftwareToken()
        #expect(throws: BankError.refusedByPolicy(.overTransferLimit(amount: DecimalAmount("1000.01")!, limit: DecimalAmount("1000")!,
                                                                     currency: "CNY"))) {
            try verifier.issueChallenge(for: transfer("1000.01"))
        }
        let lax = try self.verifier(bank, policy: .default)
        let over = try token.confirm(try lax.issueChallenge(for: transfer("1000.01")))
        try verifier.setPolicy(Self.policy)  // the bank changed its rules back before the transfer came in
        #expect(try verifier.verify(over)
                == .rejected(.overTransferLimit(amount: DecimalAmount("1000.01")!, limit: DecimalAmount("1000")!, currency: "CNY")))
        #expect(try verifier.verify(try token.confirm(try verifier.issueChallenge(for: transfer("1000.00")))).isAccepted, "the limit itself is allowed")
    }

    @Test("more fraction digits than the currency's minor digits: no challenge, and refused if the policy changed since", arguments: Engine.allCases)
    func minorDigits(engine: Engine) throws {
        let bank = try BankFixture(engine: engine, policy: Self.generous)
        let verifier = try bank.verifier()
        let token = try SoftwareToken()
        #expect(throws: BankError.refusedByPolicy(.tooManyMinorDigits(amount: "10.001", currency: "USD", minorDigits: 2))) {
            try verifier.issueChallenge(for: transfer("10.001", currency: "USD"))
        }
        #expect(try verifier.verify(try token.confirm(try verifier.issueChallenge(for: transfer("10.001", currency: "KWD")))).isAccepted,
                "KWD has 3 minor digits")
        let threeDigits = BankPolicy(currencies: ["CNY": CurrencyPolicy(minorDigits: 3, rate: .one)])
        let signed = try token.confirm(try self.verifier(bank, policy: threeDigits).issueChallenge(for: transfer("1.005")))
        try verifier.setPolicy(Self.generous)  // the bank changed its rules back before the transfer came in
        #expect(try verifier.verify(signed) == .rejected(.tooManyMinorDigits(amount: "1.005", currency: "CNY", minorDigits: 2)))
    }

    @Test("a currency the policy no longer lists is refused at verification", arguments: Engine.allCases)
    func currencyNotAllowed(engine: Engine) throws {
        let bank = try BankFixture(engine: engine, policy: Self.policy)
        let verifier = try bank.verifier()
        let token = try SoftwareToken()
        let signed = try token.confirm(try self.verifier(bank, policy: Self.generous).issueChallenge(for: transfer("10", currency: "EUR")))
        try verifier.setPolicy(Self.policy)  // the bank changed its rules back before the transfer came in
        #expect(try verifier.verify(signed) == .rejected(.currencyNotAllowed("EUR")))
    }

    @Test("two transfers adding up to more than the currency's daily limit: the second is refused; the next UTC day starts at zero", arguments: Engine.allCases)
    func overDailyLimit(engine: Engine) throws {
        let bank = try BankFixture(engine: engine, policy: Self.policy)
        let verifier = try bank.verifier()
        let token = try SoftwareToken()
        let first = try token.confirm(try verifier.issueChallenge(for: transfer("1000")))
        let second = try token.confirm(try verifier.issueChallenge(for: transfer("500.01")))
        let third = try token.confirm(try verifier.issueChallenge(for: transfer("500")))
        #expect(try verifier.verify(first).isAccepted)
        #expect(try verifier.verify(second) == .rejected(.overDailyLimit(amount: DecimalAmount("500.01")!, acceptedToday: DecimalAmount("1000")!,
                                                                         limit: DecimalAmount("1500")!, currency: "CNY")))
        guard case .accepted(let details) = try verifier.verify(third) else {
            Issue.record("500 more reaches the daily limit exactly and is allowed")
            return
        }
        #expect(details.acceptedToday == DecimalAmount("1500"))

        bank.clock.advance(seconds: 86_400)
        guard case .accepted(let next) = try verifier.verify(try token.confirm(try verifier.issueChallenge(for: transfer("1000")))) else {
            Issue.record("a new UTC day has its own limit")
            return
        }
        #expect(next.acceptedToday == DecimalAmount("1000") && next.overallToday == DecimalAmount("1000"))
    }

    @Test("daily totals are per token: another token has its own", arguments: Engine.allCases)
    func dailyLimitPerToken(engine: Engine) throws {
        let bank = try BankFixture(engine: engine, policy: Self.policy)
        let verifier = try bank.verifier()
        let tokenA = try SoftwareToken(serial: BankFixtures.serialA)
        let tokenB = try SoftwareToken(serial: BankFixtures.serialB)
        #expect(try verifier.verify(try tokenA.confirm(try verifier.issueChallenge(for: transfer("1000")))).isAccepted)
        #expect(try verifier.verify(try tokenB.confirm(try verifier.issueChallenge(for: transfer("1000")))).isAccepted)
    }

    @Test("with an account holder named, the daily limits count per holder across tokens", arguments: Engine.allCases)
    func dailyLimitPerHolder(engine: Engine) throws {
        let bank = try BankFixture(engine: engine, policy: Self.generous)
        let verifier = try bank.verifier()
        let tokenA = try SoftwareToken(serial: BankFixtures.serialA)
        let tokenB = try SoftwareToken(serial: BankFixtures.serialB)
        let first = try verifier.issueChallenge(for: transfer("50000"), accountHolder: "customer-7")
        let second = try verifier.issueChallenge(for: transfer("50000", currency: "EUR"), accountHolder: "customer-7")
        #expect(try verifier.verify(try tokenA.confirm(first)).isAccepted)
        #expect(try verifier.verify(try tokenB.confirm(second)).rejection?.code == "overOverallDailyLimit")
    }

    @Test("a refusal after a valid signature uses the challenge up; the counter and totals do not move", arguments: Engine.allCases)
    func refusalConsumesChallenge(engine: Engine) throws {
        let bank = try BankFixture(engine: engine, policy: Self.policy)
        let verifier = try bank.verifier()
        let token = try SoftwareToken()
        #expect(try verifier.verify(try token.confirm(try verifier.issueChallenge(for: transfer("1000")))).isAccepted)
        let over = try token.confirm(try verifier.issueChallenge(for: transfer("600")))
        #expect(try verifier.verify(over).rejection?.code == "overDailyLimit")
        #expect(try verifier.verify(over) == .rejected(.challengeReused))
        // Counter 2 was refused, so not recorded: counter 3 is accepted and the day's total is 1500 only.
        guard case .accepted(let details) = try verifier.verify(try token.confirm(try verifier.issueChallenge(for: transfer("500")))) else {
            Issue.record("expected acceptance")
            return
        }
        #expect(details.counter == 3 && details.acceptedToday == DecimalAmount("1500"))
    }
}
