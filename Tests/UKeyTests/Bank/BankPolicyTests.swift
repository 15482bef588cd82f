import UKeyBank
import Foundation
import Testing
import UKey

/// policy.json (issue 13, "Limits"): only listed currencies, each with its minor digits, limits
/// and rate; unknown keys and bad values are errors that name them; conversions are exact and
/// round up.
@Suite("BankPolicy: the policy file, rates and conversion")
struct BankPolicyTests {
    static let example = #"""
        {"baseCurrency": "CNY", "dailyLimit": "100000", "maxCounterStep": 1000, "challengeLifetimeSeconds": 300,
         "challengeRetentionSeconds": 86400, "challengeLength": 32,
         "currencies": {"CNY": {"minorDigits": 2, "perTransfer": "50000", "perDay": "100000", "rate": "1"},
                        "USD": {"minorDigits": 2, "perTransfer": "7000", "perDay": "14000", "rate": "7.1"}}}
        """#

    @Test("the documented example reads, validates and round-trips; an empty file is the default, CNY only")
    func example() throws {
        let policy = try JSONDecoder().decode(BankPolicy.self, from: Data(Self.example.utf8))
        try policy.validate()
        #expect(policy.currencies["USD"] == CurrencyPolicy(minorDigits: 2, perTransfer: DecimalAmount("7000"), perDay: DecimalAmount("14000"),
                                                           rate: ExchangeRate("7.1")!))
        #expect(policy.maxCounterStep == 1000 && policy.dailyLimit == DecimalAmount("100000"))
        #expect(try JSONDecoder().decode(BankPolicy.self, from: JSONEncoder().encode(policy)) == policy)
        let empty = try JSONDecoder().decode(BankPolicy.self, from: Data("{}".utf8))
        #expect(empty == .default)
        #expect(Array(empty.currencies.keys) == ["CNY"], "without a policy the bank takes CNY only")
    }

    @Test("an unknown key anywhere is an error naming it and its path", arguments: [
        (#"{"limits": {}}"#, "limits: unknown key \"limits\""),
        (#"{"defaultLimits": null}"#, "defaultLimits: unknown key \"defaultLimits\""),
        (#"{"currencies": {"CNY": {"minorDigits": 2, "rate": "1", "perday": "5"}}}"#, "currencies.CNY.perday: unknown key \"perday\""),
    ])
    func unknownKey(_ json: String, _ expected: String) throws {
        let bank = try BankFixture()
        try Data(json.utf8).write(to: URL(fileURLWithPath: bank.path(BankDirectory.policyFileName)))
        #expect { try bank.verifier() } throws: { error in
            guard case BankError.corruptFile(let path, let reason) = error else { return false }
            return path == bank.path(BankDirectory.policyFileName) && reason.hasPrefix("not a bank policy: " + expected)
        }
    }

    @Test("invalid values are refused, naming the field", arguments: [
        (#"{"challengeLifetimeSeconds": 0}"#, "challengeLifetimeSeconds"),
        (#"{"challengeLength": 8}"#, "challengeLength"),
        (#"{"maxCounterStep": 0}"#, "maxCounterStep"),
        (#"{"currencies": {"cny": {"minorDigits": 2, "rate": "1"}}}"#, "currencies.cny"),
        (#"{"currencies": {"CNY": {"minorDigits": 4, "rate": "1"}}}"#, "currencies.CNY.minorDigits"),
        (#"{"currencies": {"CNY": {"minorDigits": 2, "rate": "2"}}}"#, "currencies.CNY.rate"),
        (#"{"currencies": {"USD": {"minorDigits": 2, "rate": "7.1"}}}"#, "baseCurrency"),
        (#"{"currencies": {"CNY": {"minorDigits": 2, "rate": "0"}}}"#, "currencies.CNY.rate"),
        (#"{"currencies": {"CNY": {"minorDigits": 2, "rate": 1}}}"#, "currencies.CNY.rate"),
        (#"{"currencies": {"CNY": {"minorDigits": 2}}}"#, "currencies.CNY.rate"),
        (#"{"currencies": {"CNY": {"minorDigits": 2, "rate": "1", "perDay": 5}}}"#, "currencies.CNY.perDay"),
        (#"{"dailyLimit": "-1"}"#, "dailyLimit"),
    ])
    func invalidValue(_ json: String, _ field: String) throws {
        let bank = try BankFixture()
        try Data(json.utf8).write(to: URL(fileURLWithPath: bank.path(BankDirectory.policyFileName)))
        #expect { try bank.verifier() } throws: { error in
            "\(error)".contains(field)
        }
    }

    @Test("conversion to the base currency is exact and rounds up to its minor unit", arguments: [
        ("7.1", "0.01", 2, "0.08"),          // 0.071 → 0.08
        ("7.1", "50000", 2, "355000"),
        ("7.1", "0.001", 2, "0.01"),         // 0.0071 → 0.01
        ("0.0048", "1", 2, "0.01"),          // 0.0048 → 0.01
        ("0.0048", "1000", 2, "4.8"),
        ("23.123456789", "1.5", 2, "34.69"), // 34.6851851835 → 34.69
        ("1", "12.345", 2, "12.35"),
        ("1", "12.345", 3, "12.345"),
        ("7.7", "3", 0, "24"),               // 23.1 → 24
        ("0.000000001", "0.001", 2, "0.01"),
    ] as [(String, String, Int, String)])
    func conversion(_ rate: String, _ amount: String, _ minorDigits: Int, _ expected: String) throws {
        let converted = try #require(ExchangeRate(rate)?.convert(DecimalAmount(amount)!, toMinorDigits: minorDigits))
        #expect(converted == DecimalAmount(expected)!)
    }

    @Test("the largest amount at the largest rate does not overflow silently")
    func conversionOverflow() {
        let rate = ExchangeRate("999999999.999999999")!
        #expect(rate.convert(DecimalAmount("999999999999999.999")!, toMinorDigits: 2) == nil)
        #expect(ExchangeRate("1")!.convert(DecimalAmount(thousandths: .max), toMinorDigits: 3) == DecimalAmount(thousandths: .max))
    }

    @Test("rates outside the grammar are refused", arguments: ["", "0", "0.0", "01", "1.", ".5", "-1", "1e3", "1.0000000001", "1000000000", " 1"])
    func badRates(_ text: String) {
        #expect(ExchangeRate(text) == nil)
    }

    @Test("the policy refuses a transfer outright: unlisted currency, too many minor digits, over the per-transfer limit",
          arguments: [
            ("100", "ZZZ", TransferRejection.currencyNotAllowed("ZZZ")),
            ("1.001", "CNY", .tooManyMinorDigits(amount: "1.001", currency: "CNY", minorDigits: 2)),
            ("1.000", "CNY", .tooManyMinorDigits(amount: "1.000", currency: "CNY", minorDigits: 2)),
            ("50000.01", "CNY", .overTransferLimit(amount: DecimalAmount("50000.01")!, limit: DecimalAmount("50000")!, currency: "CNY")),
          ] as [(String, String, TransferRejection)])
    func refusal(_ amount: String, _ currency: String, _ expected: TransferRejection) throws {
        var transfer = BankFixtures.transfer
        transfer.amount = amount
        transfer.currency = currency
        #expect(BankPolicy.default.refusal(for: transfer, amount: DecimalAmount(amount)!) == expected)
        let bank = try BankFixture()
        #expect(throws: BankError.refusedByPolicy(expected)) { try bank.verifier().issueChallenge(for: transfer) }
    }

    @Test("amounts within the policy pass", arguments: ["0.01", "1.5", "50000", "50000.00"])
    func allowed(_ amount: String) {
        var transfer = BankFixtures.transfer
        transfer.amount = amount
        #expect(BankPolicy.default.refusal(for: transfer, amount: DecimalAmount(amount)!) == nil)
    }
}
