import UKeyBank
import Foundation
import Testing
import UKey

/// The bank side's values: exact decimal amounts, the JSON of a rejection (the policy file: `BankPolicyTests`).
@Suite("Bank values: DecimalAmount, TransferRejection JSON")
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

    @Test("every rejection has a stable code and round-trips through its JSON form", arguments: [
        TransferRejection.malformed("x"), .untrustedCertificate("unable to get local issuer certificate"), .certificateExpired,
        .certificateNotYetValid, .serialMismatch(certificate: nil, signed: "01"), .serialMismatch(certificate: "02", signed: "01"),
        .badSignature, .unknownChallenge, .challengeReused, .challengeExpired, .wrongToken(expected: "02", signed: "01"),
        .fieldsDiffer(.payeeName), .counterNotIncreasing(last: 7, got: 7), .currencyNotAllowed("EUR"),
        .overTransferLimit(amount: DecimalAmount("10.5")!, limit: DecimalAmount("10")!, currency: "CNY"),
        .overDailyLimit(amount: DecimalAmount("1")!, acceptedToday: DecimalAmount("10")!, limit: DecimalAmount("10")!, currency: "CNY"),
        .counterJumped(last: nil, got: 1001, maxStep: 1000), .counterJumped(last: 5, got: 2000, maxStep: 1000),
        .counterRegressed(last: 12, got: 11), .tokenSuspended(serial: "554B00000000000A"),
        .tooManyMinorDigits(amount: "1.001", currency: "CNY", minorDigits: 2),
        .overOverallDailyLimit(amount: DecimalAmount("50000")!, currency: "USD", converted: DecimalAmount("355000")!,
                               acceptedToday: DecimalAmount("50000")!, limit: DecimalAmount("100000")!, baseCurrency: "CNY"),
    ])
    func rejectionJSON(_ rejection: TransferRejection) throws {
        let json = try JSONEncoder().encode(rejection)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["code"] as? String == rejection.code)
        #expect(object["message"] as? String == rejection.description)
        #expect(try JSONDecoder().decode(TransferRejection.self, from: json) == rejection)
    }
}
