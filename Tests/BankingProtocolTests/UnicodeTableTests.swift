@testable import BankingProtocol
import Testing

@Suite("BankingProtocol: the generated Unicode 15.0 table")
struct UnicodeTableTests {
    @Test("the table is sorted, starts at U+0000 and gives the classes the rules expect", arguments: [
        ("A", ScalarClass.letter), ("z", .letter), ("0", .other), (".", .other), ("-", .other), (" ", .space),
        (">", .marker), ("é", .letter), ("ü", .letter), ("张", .wideLetter), ("。", .wideOther), ("\u{301}", .mark),
        ("\u{903}", .spacingMark), ("\u{7F}", .control), ("\u{AD}", .format), ("\u{A0}", .separator),
        ("\u{2028}", .separator), ("\u{E000}", .privateUse), (Unicode.Scalar(0x10FFFF)!, .noncharacter), (Unicode.Scalar(0x1FFFE)!, .noncharacter),
        ("\u{1FACE}", .wideOther), ("\u{1FAE9}", .unassigned), ("\u{AC00}", .wideLetter), ("\u{11A8}", .conjoiningJamo),
        ("\u{212B}", .notNFC), ("\u{FF21}", .wideLetter), ("\u{FF61}", .other),
    ] as [(Unicode.Scalar, ScalarClass)])
    func classes(scalar: Unicode.Scalar, expected: ScalarClass) {
        #expect(ScalarClass(scalar) == expected, "U+\(String(scalar.value, radix: 16, uppercase: true))")
    }

    @Test("ranges are strictly ascending from U+0000; composition pairs strictly ascending")
    func sorted() {
        #expect(UnicodeTable.ranges.first.map { $0 >> 5 } == 0)
        #expect(zip(UnicodeTable.ranges, UnicodeTable.ranges.dropFirst()).allSatisfy { $0 >> 5 < $1 >> 5 })
        #expect(zip(UnicodeTable.compositions, UnicodeTable.compositions.dropFirst()).allSatisfy { $0 < $1 })
        #expect(UnicodeTable.compositions.count == 941, "Unicode 15.0 has 941 primary composites")
        #expect(ScalarClass(ValueLines.marker) == .marker, "the generator's marker is ValueLines.marker")
    }

    /// The table against Swift's own Unicode data (newer than 15.0): every scalar it allows was
    /// assigned by 15.0, is no noncharacter and no default-ignorable, and its class agrees with
    /// the general category — except where Unicode itself changed the category since 15.0
    /// (U+1171E AHOM CONSONANT SIGN MEDIAL RA: Mn in 15.0, Mc from 16.0).
    @Test("every allowed scalar agrees with the standard library's properties")
    func agreesWithStandardLibrary() {
        let changedSince15: Set<UInt32> = [0x1171E]
        var disagreements: [UInt32] = []
        for value in UInt32(0)...0x10FFFF where !changedSince15.contains(value) {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let kind = ScalarClass(scalar)
            guard kind.isAllowed else { continue }
            let properties = scalar.properties
            let age = properties.age.map { $0.major * 100 + $0.minor } ?? 9999
            let category = properties.generalCategory
            let family: Bool
            switch kind {
            case .letter, .wideLetter:
                family = [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter].contains(category)
            case .mark: family = category == .nonspacingMark || category == .enclosingMark
            case .spacingMark: family = category == .spacingMark
            case .space: family = value == 0x20
            default:
                family = [.decimalNumber, .letterNumber, .otherNumber, .connectorPunctuation, .dashPunctuation, .openPunctuation,
                          .closePunctuation, .initialPunctuation, .finalPunctuation, .otherPunctuation, .mathSymbol,
                          .currencySymbol, .modifierSymbol, .otherSymbol].contains(category)
            }
            if age > 1500 || properties.isNoncharacterCodePoint || properties.isDefaultIgnorableCodePoint || !family {
                disagreements.append(value)
            }
        }
        #expect(disagreements.isEmpty, "first: \(disagreements.prefix(8).map { String($0, radix: 16) })")
    }
}
