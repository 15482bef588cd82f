import Testing

/// The golden comparison itself: what the normalizer hides and what it must leave for the
/// comparison to catch.
@Suite struct GoldenNormalizerTests {
    static let normalizer = GoldenNormalizer(values: [("/tmp/ukey-cli-AbC123", "<TMP>"), ("554B000000000004", "<SERIAL>")])

    @Test("each rule replaces only its kind of variable part", arguments: [
        ("cert written to /tmp/ukey-cli-AbC123/token.pem", "cert written to <TMP>/token.pem"),
        ("UKey token 554B000000000004", "UKey token <SERIAL>"),
        ("< 6F18 8406F0554B455901 A50EC008554B000000000004C1020100 9000", "< 6F18 8406F0554B455901 A50EC008<SERIAL>C1020100 9000"),
        ("-----BEGIN CERTIFICATE-----\nMIIB+a/9\nQUJD==\n-----END CERTIFICATE-----\n", "-----BEGIN CERTIFICATE-----\n<PEM>\n-----END CERTIFICATE-----\n"),
        (#""pem": "-----BEGIN PUBLIC KEY-----\nMIGf\nAQAB\n-----END PUBLIC KEY-----\n""#, #""pem": "-----BEGIN PUBLIC KEY-----\n<PEM>\n-----END PUBLIC KEY-----\n""#),
        (#""issuedAt": "2026-11-23T10:15:00Z""#, #""issuedAt": "<DATE>""#),
        (#""day" : "2026-11-23""#, #""day" : "<DATE>""#),
        (String(repeating: "A1", count: 32), "<HEX>"),
        ("ATR 3B8B800180F9A00000030800001000C8  (T=1)", "ATR 3B8B800180F9A00000030800001000C8  (T=1)"),
        ("< 6D00  instruction not supported", "< 6D00  instruction not supported"),
    ])
    func rule(input: String, expected: String) {
        #expect(Self.normalizer.normalize(input) == expected)
    }

    @Test("a changed line, a missing line or a lost final newline is a difference; the same text is none")
    func difference() {
        let golden = "$ ukey token info\n--- stdout\nPIN tries left    3\n"
        #expect(GoldenFile.difference(expected: golden, actual: golden) == nil)
        #expect(GoldenFile.difference(expected: golden, actual: "$ ukey token info\n--- stdout\nPIN tries left    2\n")
                == #"line 3: expected "PIN tries left    3", got "PIN tries left    2""#)
        #expect(GoldenFile.difference(expected: golden, actual: "$ ukey token info\n--- stdout\n") != nil)
        #expect(GoldenFile.difference(expected: golden, actual: String(golden.dropLast())) != nil)
    }
}
