import ISO7816
import Testing
import UKey

/// `<` patterns: exact hex, `..` any byte, `.` any nibble, `*` any rest, status word masks.
@Suite struct ResponsePatternTests {
    private func response(_ hex: String) throws -> ResponseAPDU {
        try ResponseAPDU(parsing: try #require([UInt8](hex: hex)))
    }

    @Test("a pattern matches exactly the responses it describes", arguments: [
        ("9000", "9000", true),
        ("9000", "019000", false),          // no data token: the data must be empty
        ("9000", "9001", false),
        ("* 9000", "9000", true),
        ("* 9000", "0102039000", true),
        ("* 9000", "0102036982", false),
        ("61..", "6110", true),
        ("61..", "6210", false),
        ("63C.", "63C2", true),
        ("63C.", "63D2", false),
        ("....", "6A82", true),
        (".. 9000", "AB9000", true),
        (".. 9000", "9000", false),
        (".. 9000", "ABCD9000", false),
        ("A. 9000", "AF9000", true),
        ("A. 9000", "BF9000", false),
        (".F 9000", "0F9000", true),
        (".F 9000", "0E9000", false),
        ("7F49 * 9000", "7F4981039000", true),
        ("7F49 * 9000", "7F4881039000", false),
        ("7F49 * 9000", "7F9000", false),
        ("6F.. 84 06 F0554B455901 9000", "6F0884 06F0554B4559019000", true),
        ("6F..8406F0554B455901 9000", "6F088406F0554B4559029000", false),
        ("c008 .. 9000", "C008FF9000", true),   // lower-case hex
    ])
    func matching(pattern: String, received: String, matches: Bool) throws {
        let parsed = try ResponsePattern(parsing: pattern)
        #expect(parsed.matches(try response(received)) == matches)
        #expect((parsed.mismatch(in: try response(received)) == nil) == matches)
    }

    @Test("a mismatch names the status word first, then the length, then the first differing byte", arguments: [
        ("0102 9000", "01026982", "status word 6982, expected 9000"),
        ("0102 61..", "0102", "status word 0102, expected 61.."),
        ("0102 9000", "019000", "1 data bytes, expected 2"),
        ("0102 * 9000", "019000", "1 data bytes, expected at least 2"),
        ("01 02 03 9000", "0102FF9000", "data byte at offset 2 is FF, expected 03"),
        ("01 0. 9000", "01129000", "data byte at offset 1 is 12, expected 0."),
    ])
    func mismatchReason(pattern: String, received: String, reason: String) throws {
        let parsed = try ResponsePattern(parsing: pattern)
        #expect(parsed.mismatch(in: try response(received)) == reason)
    }

    @Test("the canonical text joins data, * and the status word", arguments: [
        ("6f.. *   9000", "6F.. * 9000"),
        ("9000", "9000"),
        ("C0 08 .. ..  63c.", "C008.... 63C."),
        ("* 61..", "* 61.."),
    ])
    func canonicalText(pattern: String, text: String) throws {
        #expect(try ResponsePattern(parsing: pattern).description == text)
    }

    @Test("a malformed pattern is refused", arguments: [
        "", "90", "900", "90000", "* 01 9000", "9G00", "0 9000", "* *", "*", "01 02 *",
    ])
    func malformed(pattern: String) {
        #expect(throws: TranscriptSyntaxError.self) { try ResponsePattern(parsing: pattern) }
    }
}
