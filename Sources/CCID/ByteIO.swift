/// Little-endian field access: every multi-byte CCID field (dwLength, wLevelParameter, the
/// class descriptor's dw… fields) is little-endian (CCID rev 1.1 §6, USB 2.0 §8.1).
extension Array where Element == UInt8 {
    @inline(__always)
    func le16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) | UInt16(self[offset + 1]) << 8
    }

    @inline(__always)
    func le32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) | UInt32(self[offset + 1]) << 8
            | UInt32(self[offset + 2]) << 16 | UInt32(self[offset + 3]) << 24
    }

    @inline(__always)
    mutating func appendLE16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
    }

    @inline(__always)
    mutating func appendLE32(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 24))
    }
}

/// Two upper-case hex digits, for error descriptions.
func ccidHex(_ byte: UInt8) -> String {
    let digits: StaticString = "0123456789ABCDEF"
    let base = digits.utf8Start
    let high = Character(Unicode.Scalar(base[Int(byte >> 4)]))
    let low = Character(Unicode.Scalar(base[Int(byte & 0x0F)]))
    return String(high) + String(low)
}
