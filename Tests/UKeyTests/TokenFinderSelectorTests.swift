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
}
