/// The rules for the fields of a transfer, shared by the card (CONFIRM TRANSFER) and the bank
/// (`Transfer.validateForToken`) so both refuse exactly the same transfers (docs/ARCHITECTURE.md,
/// "Transfer fields"). Each check takes the field's bytes as they go on the wire and gives back
/// its text, or throws the field and the reason.
public enum TransferFieldRules {
    /// Payee account (80): 1–34 of `0`–`9` and `A`–`Z` (ASCII).
    public static func payeeAccount(_ bytes: [UInt8]) throws(TransferFieldError) -> String {
        let field = TransferFieldError.Field.payeeAccount
        guard let scalars = UTF8Decoder.decode(bytes) else { throw TransferFieldError(field: field, reason: .malformedUTF8) }
        for scalar in scalars where !(("0"..."9").contains(scalar) || ("A"..."Z").contains(scalar)) {
            throw TransferFieldError(field: field, reason: .notAccountCharacter(scalar))
        }
        guard (1...34).contains(scalars.count) else {
            throw TransferFieldError(field: field, reason: .length(minimum: 1, maximum: 34))
        }
        return UTF8Decoder.string(scalars)
    }

    /// Payee name (81): 1–64 scalars of displayable text (``displayableText(_:field:scalars:)``).
    public static func payeeName(_ bytes: [UInt8]) throws(TransferFieldError) -> String {
        UTF8Decoder.string(try displayableText(bytes, field: .payeeName, scalars: 1...64))
    }

    /// Reference (84): 0–64 scalars of displayable text (``displayableText(_:field:scalars:)``).
    public static func reference(_ bytes: [UInt8]) throws(TransferFieldError) -> String {
        UTF8Decoder.string(try displayableText(bytes, field: .reference, scalars: 0...64))
    }

    /// Amount (82): `(0|[1-9][0-9]{0,14})(\.[0-9]{1,3})?`, and not zero.
    public static func amount(_ bytes: [UInt8]) throws(TransferFieldError) -> String {
        let isDigit: (UInt8) -> Bool = { (0x30...0x39).contains($0) }
        let dot = bytes.firstIndex(of: 0x2E)
        let whole = bytes[..<(dot ?? bytes.count)]
        var valid = (1...15).contains(whole.count) && whole.allSatisfy(isDigit) && (whole.count == 1 || whole.first != 0x30)
        if let dot {
            let fraction = bytes[(dot + 1)...]
            valid = valid && (1...3).contains(fraction.count) && fraction.allSatisfy(isDigit)
        }
        guard valid, bytes.contains(where: { (0x31...0x39).contains($0) }) else {
            throw TransferFieldError(field: .amount, reason: .notAnAmount)
        }
        return ascii(bytes)
    }

    /// Currency (83): three capital letters A–Z (ISO 4217 alphabetic code).
    public static func currency(_ bytes: [UInt8]) throws(TransferFieldError) -> String {
        guard bytes.count == 3, bytes.allSatisfy({ (0x41...0x5A).contains($0) }) else {
            throw TransferFieldError(field: .currency, reason: .notACurrency)
        }
        return ascii(bytes)
    }

    /// Bank challenge (85): 8–64 bytes.
    public static func challenge(_ bytes: [UInt8]) throws(TransferFieldError) {
        guard (8...64).contains(bytes.count) else {
            throw TransferFieldError(field: .challenge, reason: .length(minimum: 8, maximum: 64))
        }
    }

    /// Text that may appear on the token's screen as a payee name or reference: strict UTF-8 of
    /// `scalars` Unicode scalars, each of an allowed ``ScalarClass`` (printable, assigned in
    /// Unicode 15.0, not ambiguous-width, not the value marker); U+0020 the only space, never
    /// leading, trailing or doubled; every combining mark right after a letter, at most one per
    /// letter; and NFC. With one mark per letter, text is NFC exactly when no scalar is
    /// NFC_QC=No (a refused class) and no two adjacent scalars form a canonical composition pair
    /// (``UnicodeTable/compositions``).
    public static func displayableText(_ bytes: [UInt8], field: TransferFieldError.Field,
                                       scalars range: ClosedRange<Int>) throws(TransferFieldError) -> [Unicode.Scalar] {
        guard let scalars = UTF8Decoder.decode(bytes) else { throw TransferFieldError(field: field, reason: .malformedUTF8) }
        guard range.contains(scalars.count) else {
            throw TransferFieldError(field: field, reason: .length(minimum: range.lowerBound, maximum: range.upperBound))
        }
        var previous: (scalar: Unicode.Scalar, kind: ScalarClass)? = nil
        for scalar in scalars {
            let kind = ScalarClass(scalar)
            guard kind.isAllowed else { throw TransferFieldError(field: field, reason: .notAllowed(scalar, kind)) }
            if kind == .space {
                guard let previous else { throw TransferFieldError(field: field, reason: .leadingSpace) }
                guard previous.kind != .space else { throw TransferFieldError(field: field, reason: .repeatedSpace) }
            }
            if kind.isMark {
                guard let previous, previous.kind.isLetter || previous.kind.isMark else {
                    throw TransferFieldError(field: field, reason: .markWithoutLetter(scalar))
                }
                guard !previous.kind.isMark else { throw TransferFieldError(field: field, reason: .secondMark(scalar)) }
            }
            if let previous, composes(previous.scalar, scalar) {
                throw TransferFieldError(field: field, reason: .composes(previous.scalar, scalar))
            }
            previous = (scalar, kind)
        }
        if previous?.kind == .space { throw TransferFieldError(field: field, reason: .trailingSpace) }
        return scalars
    }

    /// Whether NFC composes `first` followed by `second` into one scalar (a binary search of
    /// ``UnicodeTable/compositions``).
    static func composes(_ first: Unicode.Scalar, _ second: Unicode.Scalar) -> Bool {
        let key = UInt64(first.value) << 21 | UInt64(second.value)
        let pairs = UnicodeTable.compositions
        var low = 0
        var high = pairs.count
        while low < high {
            let middle = (low + high) / 2
            if pairs[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low < pairs.count && pairs[low] == key
    }

    private static func ascii(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes { text.unicodeScalars.append(Unicode.Scalar(byte)) }
        return text
    }
}
