import Foundation
import Testing
import UKey

/// The bank side's values: exact decimal amounts, the policy file, the JSON of a rejection.
@Suite("Bank values: DecimalAmount, BankPolicy, TransferRejection JSON")
struct BankValueTests {
    @Test("amounts in the card's grammar parse to exact thousandths", arguments: [
        ("0", 0), ("1", 1_000), ("1234.56", 1_234_560), ("1234.5", 1_234_500), ("0.001", 1), ("100.00", 100_000),
        ("999999999999999.999", 999_999_999_999_999_999),
    ] as [(String, Int64)])
    func parses(_ text: String, _ thousandths: Int64) {
        #expect(DecimalAmount(text)?.thousandths == thousandths)
    }

    @Test("text outside the grammar is not an amount", arguments: [
        "", ".5", "5.", "01", "1.2345", "+1", "-1", "1e3", " 1", "1 ", "1,5", "1000000000000000", "٣",
    ])
    func refuses(_ text: String) {
        #expect(DecimalAmount(text) == nil)
    }

    @Test("the text form drops trailing zeros and round-trips through JSON as a string")
    func textForm() throws {
        #expect(DecimalAmount("1234.560")!.description == "1234.56")
        #expect(DecimalAmount("100.00")!.description == "100")
        #expect(DecimalAmount("0.05")!.description == "0.05")
        let json = try JSONEncoder().encode([DecimalAmount("0.05")!])
        #expect(String(decoding: json, as: UTF8.self) == "[\"0.05\"]")
        #expect(try JSONDecoder().decode([DecimalAmount].self, from: json) == [DecimalAmount("0.05")!])
        #expect(DecimalAmount(thousandths: .max).adding(DecimalAmount(thousandths: 1)) == nil, "overflow is reported")
    }

    @Test("policy.json: absent keys take the defaults; \"defaultLimits\": null refuses unlisted currencies")
    func policyJSON() throws {
        let empty = try JSONDecoder().decode(BankPolicy.self, from: Data("{}".utf8))
        #expect(empty == .default)
        #expect(empty.challengeLifetimeSeconds == 300 && empty.challengeLength == 32)
        let json = #"{"challengeLifetimeSeconds": 60, "limits": {"CNY": {"perTransfer": "2000.5"}}, "defaultLimits": null}"#
        let policy = try JSONDecoder().decode(BankPolicy.self, from: Data(json.utf8))
        #expect(policy.challengeLifetimeSeconds == 60)
        #expect(policy.limits(for: "CNY") == TransferLimits(perTransfer: DecimalAmount("2000.5"), perDay: nil))
        #expect(policy.limits(for: "EUR") == nil)
        #expect(try JSONDecoder().decode(BankPolicy.self, from: JSONEncoder().encode(policy)) == policy)
    }

    @Test("out-of-range policies are refused when the bank directory is read")
    func invalidPolicy() throws {
        let bank = try BankFixture()
        for json in [#"{"challengeLifetimeSeconds": 0}"#, #"{"challengeLength": 8}"#, #"{"limits": {"cny": {}}}"#,
                     #"{"limits": {"CNY": {"perDay": 5}}}"#] {
            try Data(json.utf8).write(to: URL(fileURLWithPath: bank.path(BankDirectory.policyFileName)))
            #expect(throws: BankError.self, "\(json)") { try bank.verifier() }
        }
    }

    @Test("every rejection has a stable code and round-trips through its JSON form", arguments: [
        TransferRejection.malformed("x"), .untrustedCertificate("unable to get local issuer certificate"), .certificateExpired,
        .certificateNotYetValid, .serialMismatch(certificate: nil, signed: "01"), .serialMismatch(certificate: "02", signed: "01"),
        .badSignature, .unknownChallenge, .challengeReused, .challengeExpired, .wrongToken(expected: "02", signed: "01"),
        .fieldsDiffer(.payeeName), .counterNotIncreasing(last: 7, got: 7), .currencyNotAllowed("EUR"),
        .overTransferLimit(amount: DecimalAmount("10.5")!, limit: DecimalAmount("10")!, currency: "CNY"),
        .overDailyLimit(amount: DecimalAmount("1")!, acceptedToday: DecimalAmount("10")!, limit: DecimalAmount("10")!, currency: "CNY"),
    ])
    func rejectionJSON(_ rejection: TransferRejection) throws {
        let json = try JSONEncoder().encode(rejection)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["code"] as? String == rejection.code)
        #expect(object["message"] as? String == rejection.description)
        #expect(try JSONDecoder().decode(TransferRejection.self, from: json) == rejection)
    }
}
