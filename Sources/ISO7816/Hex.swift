/// Hexadecimal text for byte strings: what transcripts, traces and tests read and write.
extension Array where Element == UInt8 {
    /// Parses hex digits, ignoring spaces, tabs and colons between them; `nil` if a character is
    /// not a hex digit or the digit count is odd.
    public init?(hex text: some StringProtocol) {
        var bytes: [UInt8] = []
        var high: UInt8? = nil
        for unit in text.utf8 {
            if unit == 0x20 || unit == 0x09 || unit == 0x3A { continue }
            guard let nibble = hexNibble(unit) else { return nil }
            if let h = high {
                bytes.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        guard high == nil else { return nil }
        self = bytes
    }

    /// Upper-case hex digits, no separators: `9000`.
    public var hexString: String {
        var digits: [UInt8] = []
        digits.reserveCapacity(count * 2)
        for byte in self {
            digits.append(hexDigit(byte >> 4))
            digits.append(hexDigit(byte & 0x0F))
        }
        return String(decoding: digits, as: UTF8.self)
    }
}

extension ArraySlice where Element == UInt8 {
    public var hexString: String { Array(self).hexString }
}

/// Two upper-case hex digits for one byte.
public func hexByte(_ byte: UInt8) -> String {
    String(decoding: [hexDigit(byte >> 4), hexDigit(byte & 0x0F)], as: UTF8.self)
}

/// The ASCII upper-case hex digit for a nibble (0–15).
public func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? 0x30 + nibble : 0x41 - 10 + nibble
}

/// Four upper-case hex digits for a 16-bit value.
public func hexWord(_ word: UInt16) -> String {
    hexByte(UInt8(word >> 8)) + hexByte(UInt8(word & 0xFF))
}

/// The value of one ASCII hex digit (either case), `nil` for any other byte.
public func hexNibble(_ unit: UInt8) -> UInt8? {
    switch unit {
    case 0x30...0x39: return unit - 0x30
    case 0x41...0x46: return unit - 0x41 + 10
    case 0x61...0x66: return unit - 0x61 + 10
    default: return nil
    }
}
