/// Text that may appear on the token's screen: strict UTF-8 (RFC 3629: no overlong forms, no
/// surrogates, nothing above U+10FFFF), measured in Unicode scalars, and free of every scalar
/// that could make the screen lie — controls (Cc), format characters such as bidi overrides and
/// zero-width joiners (Cf), line and paragraph separators (Zl, Zp), private use (Co) and
/// surrogates (Cs).
enum DisplayText {
    /// The scalars of `bytes` if they are acceptable display text of `minimum...maximum` scalars.
    static func validate(_ bytes: [UInt8], scalars minimum: Int, _ maximum: Int) -> [Unicode.Scalar]? {
        guard let scalars = decodeUTF8(bytes), (minimum...maximum).contains(scalars.count) else { return nil }
        for scalar in scalars where isDeceptive(scalar) { return nil }
        return scalars
    }

    static func isDeceptive(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate:
            return true
        default:
            return false
        }
    }

    /// Strict UTF-8 decoding; `nil` on any ill-formed sequence.
    static func decodeUTF8(_ bytes: [UInt8]) -> [Unicode.Scalar]? {
        var scalars: [Unicode.Scalar] = []
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length: Int
            var value: UInt32
            switch lead {
            case 0x00...0x7F: length = 1; value = UInt32(lead)
            case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
            case 0xE0...0xEF: length = 3; value = UInt32(lead & 0x0F)
            case 0xF0...0xF4: length = 4; value = UInt32(lead & 0x07)
            default: return nil
            }
            guard index + length <= bytes.count else { return nil }
            for offset in 1..<length {
                let next = bytes[index + offset]
                guard next & 0xC0 == 0x80 else { return nil }
                value = value << 6 | UInt32(next & 0x3F)
            }
            let smallest: UInt32 = length == 1 ? 0 : length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
            guard value >= smallest, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value),
                  let scalar = Unicode.Scalar(value) else { return nil }
            scalars.append(scalar)
            index += length
        }
        return scalars
    }

    static func string(_ scalars: [Unicode.Scalar]) -> String {
        var text = ""
        for scalar in scalars { text.unicodeScalars.append(scalar) }
        return text
    }
}
