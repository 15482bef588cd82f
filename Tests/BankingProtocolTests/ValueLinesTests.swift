@testable import BankingProtocol
import Testing

@Suite("BankingProtocol: display columns and value lines")
struct ValueLinesTests {
    @Test("columns: W/F two, Mn/Me none, everything else one", arguments: [
        ("Zhang San", 9), ("张三", 4), ("e\u{301}", 1), ("é", 1), ("ＡＢ", 4), ("", 0), ("x\u{20DD}", 1),
    ])
    func columns(text: String, expected: Int) {
        #expect(ValueLines.columns(of: text) == expected)
    }

    @Test("values wrap at 15 columns after the marker, by display width")
    func wrap() {
        #expect(ValueLines.wrap("1234567890123456") == [">123456789012345", ">6"])
        #expect(ValueLines.wrap("") == [">"])
        let cjk = ValueLines.wrap(String(repeating: "名", count: 16))
        #expect(cjk.map { $0.unicodeScalars.count } == [8, 8, 3], "7 wide scalars (14 columns) per line, then 2")
        #expect(cjk.count == 3, "16 CJK scalars take 32 columns: more than two lines")
        #expect(ValueLines.wrap("a" + String(repeating: "名", count: 7)) == [">a名名名名名名名"])
        #expect(ValueLines.wrap("ab" + String(repeating: "名", count: 7)) == [">ab名名名名名名", ">名"],
                "a wide scalar that would straddle the edge moves to the next line")
    }

    @Test("a combining mark never leaves its letter", arguments: [0, 1, 2, 3])
    func marksStay(prefix: Int) {
        let text = String(repeating: "a", count: 13 + prefix) + "x\u{301}" + "yz"
        for line in ValueLines.wrap(text) {
            #expect(line.unicodeScalars.dropFirst().first != "\u{301}", "a line never starts with a mark")
            #expect(ValueLines.columns(of: line) <= 16)
        }
        #expect(ValueLines.wrap(text).joined().unicodeScalars.filter { $0 != ValueLines.marker }.map(\.value)
                == text.unicodeScalars.map(\.value), "every scalar is shown, in order")
    }

    @Test("accounts in groups of four, three groups a line, breaking only between groups", arguments: [
        ("6222020200112233", [">6222 0202 0011", ">2233"]),
        ("DE89370400440532013000", [">DE89 3704 0044", ">0532 0130 00"]),
        ("123", [">123"]),
        ("123456789012", [">1234 5678 9012"]),
        (String(repeating: "9", count: 34), [">9999 9999 9999", ">9999 9999 9999", ">9999 9999 99"]),
    ])
    func account(account: String, lines: [String]) {
        #expect(ValueLines.account(account) == lines)
    }
}
