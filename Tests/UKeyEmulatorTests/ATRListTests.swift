import Foundation
import Testing
import UKeyTools

/// `ukey atr`'s reading of pcsc-tools' smartcard_list.txt (UKeyTools' `ATRList`), on a made-up
/// list in the same format, and on Debian's list when it is installed.
@Suite("ATR names from pcsc-tools' smartcard_list.txt")
struct ATRListTests {
    /// Invented entries in the list's format: comments, `..`, classes, several description lines.
    static let text = """
        # a comment
        #
        3B 8B 80 01 80 F9 A0 00 00 03 08 00 00 10 00 C8
        \tAn invented name for the UKey ATR
        \thttps://example.invalid/ukey

        3B 8B 80 01 80 .. A0 00 00 03 08 00 00 10 00 ..
        \tAny byte where the dots are

        3B 02 14 5[0-3]
        \tA class of bytes

        3B 99 99
        \tNever matches the ATRs below
        """

    @Test("whole-ATR matches, `..` and byte classes, every description line, comments skipped", arguments: [
        ("3B8B800180F9A00000030800001000C8", ["An invented name for the UKey ATR", "https://example.invalid/ukey", "Any byte where the dots are"]),
        ("3B8B800180AAA00000030800001000FF", ["Any byte where the dots are"]),
        ("3B021452", ["A class of bytes"]),
        ("3B021454", []),
        ("3B8B800180F9A00000030800001000", []),   // a prefix is no match: the whole ATR must match
    ])
    func names(atr: String, expected: [String]) {
        let list = ATRList(text: Self.text, path: "test")
        #expect(list.entries.count == 4)
        let bytes = stride(from: 0, to: atr.count, by: 2).map { offset -> UInt8 in
            let start = atr.index(atr.startIndex, offsetBy: offset)
            return UInt8(atr[start..<atr.index(start, offsetBy: 2)], radix: 16)!
        }
        #expect(list.names(for: bytes) == expected)
    }

    @Test("no list installed: nil, and ukey atr then names nothing")
    func missing() {
        #expect(ATRList(path: "/nonexistent/smartcard_list.txt") == nil)
    }

    @Test("Debian's list, when installed, is read whole and names the UKey's ATR",
          .enabled(if: FileManager.default.fileExists(atPath: ATRList.debianPath)))
    func debian() throws {
        let list = try #require(ATRList())
        #expect(list.entries.count > 1_000, "\(list.entries.count) entries")
        #expect(!list.names(for: [0x3B, 0x8B, 0x80, 0x01, 0x80, 0xF9, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0xC8]).isEmpty)
    }
}
