import Testing
import UKey

/// `--reader` as `ukey readers` (and its `--watch`) applies it: which readers a selector picks.
@Suite("TokenFinder.selects: the readers a --reader selector lists")
struct TokenFinderSelectorTests {
    @Test("a number picks the reader at that index; other text every name containing it, in any case", arguments: [
        ("UKey 1-4 00 00", "UKey 1-4 00 00", 3 as Int?, true),   // the full name
        ("UKey 1-4", "UKey 1-4 00 00", 3, true),                 // a part of it
        ("ukey 1-4", "UKey 1-4 00 00", 3, true),                 // case-insensitive
        ("UKey 1-4", "UKey 1-1 00 00", 0, false),
        ("vpcd", "UKey 1-4 00 00", 3, false),
        ("3", "UKey 1-4 00 00", 3, true),                        // an index
        ("3", "UKey 1-4 00 00", 2, false),
        ("3", "UKey 1-4 00 00", nil, false),                     // a reader that appeared later has no index
        ("0", "UKey 1-1 00 00", 0, true),
    ] as [(String, String, Int?, Bool)])
    func selects(_ selector: String, _ name: String, _ index: Int?, _ picked: Bool) {
        #expect(TokenFinder.selects(selector, name: name, index: index) == picked)
    }

    static let three = ["UKey 1-1 00 00", "UKey 1-2 01 00", "UKey 1-3 02 00"]

    @Test("--reader resolves an exact name, an index in range or the one name containing it")
    func resolves() throws {
        #expect(try TokenFinder.resolve("UKey 1-2 01 00", among: Self.three) == "UKey 1-2 01 00")
        #expect(try TokenFinder.resolve("2", among: Self.three) == "UKey 1-3 02 00")
        #expect(try TokenFinder.resolve("ukey 1-3", among: Self.three) == "UKey 1-3 02 00")
    }

    @Test("an index out of range and text no name contains are errors that list the readers", arguments: ["3", "nosuch", "-1"])
    func noSuchReader(_ selector: String) {
        #expect(throws: TokenError.noSuchReader(selector, readers: Self.three)) { try TokenFinder.resolve(selector, among: Self.three) }
        let message = TokenError.noSuchReader(selector, readers: Self.three).description
        #expect(message.contains("0: UKey 1-1 00 00; 1: UKey 1-2 01 00; 2: UKey 1-3 02 00"), "\(message)")
        #expect(!message.contains("no card"))
    }

    @Test("the message says which kind of selector found nothing")
    func noSuchReaderMessages() {
        #expect(TokenError.noSuchReader("3", readers: Self.three).description.hasPrefix("no reader has index 3;"))
        #expect(TokenError.noSuchReader("nosuch", readers: Self.three).description.hasPrefix("no reader name contains \"nosuch\";"))
        #expect(TokenError.noSuchReader("x", readers: []).description == "no reader name contains \"x\": pcscd lists no readers")
    }
}
