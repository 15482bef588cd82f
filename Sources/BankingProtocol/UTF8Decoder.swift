/// Strict UTF-8 decoding (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF,
/// no truncated sequence.
public enum UTF8Decoder {
    /// The scalars of `bytes`, or `nil` on any ill-formed sequence.
    public static func decode(_ bytes: [UInt8]) -> [Unicode.Scalar]? {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(bytes.count)
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

    /// `scalars` as a `String`.
    public static func string(_ scalars: [Unicode.Scalar]) -> String {
        var text = ""
        for scalar in scalars { text.unicodeScalars.append(scalar) }
        return text
    }
}
