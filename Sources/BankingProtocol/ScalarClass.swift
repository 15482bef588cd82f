/// What the transfer rules make of one Unicode scalar, from the generated Unicode 15.0 table
/// (``UnicodeTable``, written by `scripts/gen-unicode-table.py`; docs/ARCHITECTURE.md,
/// "Transfer fields"). The first seven classes may appear in a payee name or reference; every
/// other class is a reason to refuse the scalar. Raw values are the generator's.
public enum ScalarClass: UInt8, Hashable, Sendable {
    /// L*, East Asian Width N, Na or H, or A with a narrow base letter (é = e + U+0301): one column.
    case letter = 1
    /// L*, East Asian Width W or F: two columns.
    case wideLetter = 2
    /// Mn or Me: zero columns, drawn over the letter before it.
    case mark = 3
    /// Mc: one column, but it belongs to the letter before it.
    case spacingMark = 4
    /// N*, P*, S*, narrow: one column.
    case other = 5
    /// N*, P*, S*, W or F: two columns.
    case wideOther = 6
    /// U+0020, the only space allowed (never leading, trailing or doubled).
    case space = 7

    /// Not assigned in Unicode 15.0 (including everything newer).
    case unassigned = 16
    /// U+FDD0…U+FDEF and the last two scalars of every plane.
    case noncharacter = 17
    /// Cc.
    case control = 18
    /// Cf: bidi controls, zero-width characters, …
    case format = 19
    /// Cs (never reaches here from strict UTF-8).
    case surrogate = 20
    /// Co.
    case privateUse = 21
    /// Z* other than U+0020: NBSP, other spaces, line and paragraph separators.
    case separator = 22
    /// Default_Ignorable_Code_Point: CGJ, variation selectors, Hangul fillers, …
    case defaultIgnorable = 23
    /// Hangul conjoining jamo (U+1100…U+11FF, U+A960…U+A97F, U+D7B0…U+D7FF).
    case conjoiningJamo = 24
    /// East Asian Width A (one or two columns depending on the terminal), other than a letter
    /// with a narrow base letter.
    case ambiguousWidth = 25
    /// NFC_QC=No: never in NFC text.
    case notNFC = 26
    /// ``ValueLines/marker``: reserved for the start of every value line on the screen.
    case marker = 27
    /// Mc of East Asian Width W or F.
    case wideSpacingMark = 28

    /// The class of `scalar`: a binary search of ``UnicodeTable/ranges``.
    public init(_ scalar: Unicode.Scalar) {
        let ranges = UnicodeTable.ranges
        let key = scalar.value
        var low = 0
        var high = ranges.count - 1
        while low < high {   // the last entry whose start is at most `key`
            let middle = (low + high + 1) / 2
            if ranges[middle] >> 5 <= key { low = middle } else { high = middle - 1 }
        }
        self = ScalarClass(rawValue: UInt8(ranges[low] & 0x1F)) ?? .unassigned
    }

    /// Whether a payee name or reference may contain a scalar of this class.
    public var isAllowed: Bool { rawValue < 16 }

    /// Whether this is a combining mark (Mn, Me, Mc): it must follow a letter, one per letter.
    public var isMark: Bool { self == .mark || self == .spacingMark || self == .wideSpacingMark }

    /// Whether this is a letter (a combining mark may follow it).
    public var isLetter: Bool { self == .letter || self == .wideLetter }

    /// Columns on the token's screen: 0 for Mn/Me, 2 for East Asian Width W/F, else 1.
    public var columns: Int {
        switch self {
        case .mark: return 0
        case .wideLetter, .wideOther, .wideSpacingMark: return 2
        default: return 1
        }
    }

    /// Why a scalar of this class is refused, for ``TransferFieldError``'s description.
    var refusal: String {
        switch self {
        case .letter, .wideLetter, .mark, .spacingMark, .other, .wideOther, .space: return "allowed"
        case .unassigned: return "unassigned in Unicode 15.0"
        case .noncharacter: return "noncharacter"
        case .control: return "control character"
        case .format: return "format character"
        case .surrogate: return "surrogate"
        case .privateUse: return "private use"
        case .separator: return "space or separator other than U+0020"
        case .defaultIgnorable: return "default-ignorable"
        case .conjoiningJamo: return "Hangul conjoining jamo"
        case .ambiguousWidth: return "ambiguous East Asian width"
        case .notNFC: return "never in NFC"
        case .marker: return "the screen's value marker"
        case .wideSpacingMark: return "wide spacing mark"
        }
    }
}
