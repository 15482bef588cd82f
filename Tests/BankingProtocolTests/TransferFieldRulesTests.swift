@testable import BankingProtocol
import Testing

@Suite("BankingProtocol: transfer field rules")
struct TransferFieldRulesTests {
    /// One row per character class issue 13 lists: the payee name, and the reason it is refused.
    static let refusedNames: [(String, String, TransferFieldError.Reason)] = [
        ("combining grapheme joiner", "Li\u{34F}Si", .notAllowed("\u{34F}", .defaultIgnorable)),
        ("variation selector 16", "Li Si\u{FE0F}", .notAllowed("\u{FE0F}", .defaultIgnorable)),
        ("Hangul filler", "Li\u{3164}Si", .notAllowed("\u{3164}", .defaultIgnorable)),
        ("halfwidth Hangul filler", "Li\u{FFA0}", .notAllowed("\u{FFA0}", .defaultIgnorable)),
        ("Hangul choseong filler", "\u{115F}Li", .notAllowed("\u{115F}", .defaultIgnorable)),
        ("conjoining jamo", "\u{1100}\u{1161}", .notAllowed("\u{1100}", .conjoiningJamo)),
        ("no-break space", "Li\u{A0}Si", .notAllowed("\u{A0}", .separator)),
        ("ideographic space", "Li\u{3000}Si", .notAllowed("\u{3000}", .separator)),
        ("trailing space", "Li Si ", .trailingSpace),
        ("double space", "Li  Si", .repeatedSpace),
        ("leading space", " Li Si", .leadingSpace),
        ("only a space", " ", .leadingSpace),
        ("unassigned U+0378", "Li\u{378}", .notAllowed("\u{378}", .unassigned)),
        ("noncharacter U+FFFF", "Li" + String(Unicode.Scalar(0xFFFF)!), .notAllowed(Unicode.Scalar(0xFFFF)!, .noncharacter)),
        ("noncharacter U+FDD0", "Li" + String(Unicode.Scalar(0xFDD0)!), .notAllowed(Unicode.Scalar(0xFDD0)!, .noncharacter)),
        ("20 stacked U+0338 on one letter", "Z" + String(repeating: "\u{338}", count: 20), .secondMark("\u{338}")),
        ("two marks on one letter", "x\u{301}\u{302}", .secondMark("\u{302}")),
        ("mark without a letter", "\u{301}Li", .markWithoutLetter("\u{301}")),
        ("mark after a space", "Li \u{301}Si", .markWithoutLetter("\u{301}")),
        ("mark after a digit", "1\u{20E3}", .markWithoutLetter("\u{20E3}")),
        ("decomposed é (not NFC)", "Jose\u{301}", .composes("e", "\u{301}")),
        ("decomposed Hangul-free NFC pair Å", "A\u{30A}", .composes("A", "\u{30A}")),
        ("NFC_QC=No singleton (Kelvin sign)", "\u{212A}elvin", .notAllowed("\u{212A}", .notNFC)),
        ("ambiguous width ±", "Li\u{B1}", .notAllowed("\u{B1}", .ambiguousWidth)),
        ("ambiguous width Greek α", "\u{3B1}", .notAllowed("\u{3B1}", .ambiguousWidth)),
        ("ambiguous width ø (no narrow base letter)", "Ærø", .notAllowed("\u{C6}", .ambiguousWidth)),
        ("new in Unicode 16 (Cyrillic TJE)", "Li\u{1C89}", .notAllowed("\u{1C89}", .unassigned)),
        ("new in Unicode 17 (Saudi riyal sign)", "\u{20C1}", .notAllowed("\u{20C1}", .unassigned)),
        ("the screen's value marker", "Li > Si", .notAllowed(">", .marker)),
        ("control", "Li\u{7}", .notAllowed("\u{7}", .control)),
        ("newline", "Li\nSi", .notAllowed("\n", .control)),
        ("bidi override", "Li \u{202E}iS", .notAllowed("\u{202E}", .format)),
        ("zero-width joiner", "Li\u{200D}Si", .notAllowed("\u{200D}", .format)),
        ("line separator", "Li\u{2028}", .notAllowed("\u{2028}", .separator)),
        ("private use", "Li\u{E000}", .notAllowed("\u{E000}", .privateUse)),
        ("empty", "", .length(minimum: 1, maximum: 64)),
        ("65 scalars", String(repeating: "a", count: 65), .length(minimum: 1, maximum: 64)),
    ]

    @Test("payee names the card and the bank refuse, with the reason", arguments: refusedNames)
    func refusedName(_ name: String, text: String, reason: TransferFieldError.Reason) {
        #expect(throws: TransferFieldError(field: .payeeName, reason: reason), "\(name)") {
            try TransferFieldRules.payeeName(Array(text.utf8))
        }
    }

    @Test("accepted names and references", arguments: [
        "Zhang San", "José", "Zoë Müller-Lüdenscheidt", "张三", String(repeating: "名", count: 64),
        "x\u{301}", "Ǆemal", "नमस्ते", "Lǚ Bù Zhāng Sān", "Li Si Amount: 10.00 CNY", "Invoice 1/2 #3 (May)",
    ])
    func acceptedText(_ text: String) throws {
        #expect(try TransferFieldRules.payeeName(Array(text.utf8)) == text)
        #expect(try TransferFieldRules.reference(Array(text.utf8)) == text)
    }

    @Test("a reference may be empty, and has the name's rules")
    func reference() throws {
        #expect(try TransferFieldRules.reference([]) == "")
        #expect(throws: TransferFieldError(field: .reference, reason: .trailingSpace)) {
            try TransferFieldRules.reference(Array("Invoice 42 ".utf8))
        }
    }

    @Test("malformed UTF-8 is refused", arguments: [
        [0x5A, 0xC0, 0xAF], [0x5A, 0xED, 0xA0, 0x80], [0x5A, 0xE5, 0x90], [0x5A, 0xFF], [0xF4, 0x90, 0x80, 0x80], [0x80],
    ] as [[UInt8]])
    func malformed(bytes: [UInt8]) {
        #expect(UTF8Decoder.decode(bytes) == nil)
        #expect(throws: TransferFieldError(field: .payeeName, reason: .malformedUTF8)) { try TransferFieldRules.payeeName(bytes) }
    }

    static let refusedAccounts: [(String, String, TransferFieldError.Reason)] = [
        ("Bengali four looks like 8", "62220202001122\u{9EA}3", .notAccountCharacter("\u{9EA}")),
        ("Hebrew letter", "DE89\u{5D0}3704", .notAccountCharacter("\u{5D0}")),
        ("lower case", "de89370400440532013000", .notAccountCharacter("d")),
        ("space", "DE89 3704", .notAccountCharacter(" ")),
        ("fullwidth digit", "DE８9", .notAccountCharacter("\u{FF18}")),
        ("empty", "", .length(minimum: 1, maximum: 34)),
        ("35 characters", String(repeating: "1", count: 35), .length(minimum: 1, maximum: 34)),
    ]

    @Test("accounts are 1–34 of ASCII 0–9 A–Z", arguments: refusedAccounts)
    func refusedAccount(_ name: String, text: String, reason: TransferFieldError.Reason) throws {
        #expect(throws: TransferFieldError(field: .payeeAccount, reason: reason), "\(name)") {
            try TransferFieldRules.payeeAccount(Array(text.utf8))
        }
        #expect(try TransferFieldRules.payeeAccount(Array("6222020200112233".utf8)) == "6222020200112233")
    }

    @Test("amounts: (0|[1-9][0-9]{0,14})(.[0-9]{1,3})? above zero", arguments: [
        ("0.001", true), ("999999999999999.999", true), ("7", true), ("1234.56", true),
        ("0", false), ("0.000", false), ("01", false), ("1.", false), ("1.2345", false), ("1234567890123456", false),
        ("-1", false), ("1e3", false), ("1,000", false), ("1 000", false), ("", false), (".5", false),
    ])
    func amount(_ text: String, valid: Bool) {
        #expect(((try? TransferFieldRules.amount(Array(text.utf8))) != nil) == valid)
    }

    @Test("currencies: three capitals A–Z; challenges: 8–64 bytes")
    func currencyAndChallenge() throws {
        #expect(try TransferFieldRules.currency(Array("CNY".utf8)) == "CNY")
        for bad in ["cny", "CN", "CNYY", "C1Y", "ÇNY"] {
            #expect(throws: TransferFieldError(field: .currency, reason: .notACurrency)) { try TransferFieldRules.currency(Array(bad.utf8)) }
        }
        try TransferFieldRules.challenge([UInt8](repeating: 1, count: 8))
        try TransferFieldRules.challenge([UInt8](repeating: 1, count: 64))
        for count in [0, 7, 65] {
            #expect(throws: TransferFieldError(field: .challenge, reason: .length(minimum: 8, maximum: 64))) {
                try TransferFieldRules.challenge([UInt8](repeating: 1, count: count))
            }
        }
    }

    @Test("descriptions name the field and the reason, scalars only as U+XXXX", arguments: [
        (TransferFieldError(field: .payeeName, reason: .notAllowed("\u{34F}", .defaultIgnorable)),
         "payee name: U+034F is not allowed (default-ignorable)"),
        (TransferFieldError(field: .payeeAccount, reason: .notAccountCharacter("\u{9EA}")),
         "payee account: U+09EA is not allowed (only 0–9 and A–Z)"),
        (TransferFieldError(field: .reference, reason: .composes("e", "\u{301}")),
         "reference: not NFC (U+0065 U+0301 compose into one scalar)"),
        (TransferFieldError(field: .challenge, reason: .length(minimum: 8, maximum: 64)), "challenge: must have 8–64 bytes"),
        (TransferFieldError(field: .payeeName, reason: .length(minimum: 1, maximum: 64)), "payee name: must have 1–64 scalars"),
    ])
    func description(error: TransferFieldError, text: String) {
        #expect(error.description == text)
    }
}
