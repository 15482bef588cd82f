/// Big-endian ("network byte order") field access: every USB/IP header field is big-endian
/// (usbip_protocol.rst); only the setup packet inside CMD_SUBMIT keeps USB's little-endian.
extension Array where Element == UInt8 {
    @inline(__always)
    func be16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }

    @inline(__always)
    func be32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16
            | UInt32(self[offset + 2]) << 8 | UInt32(self[offset + 3])
    }

    @inline(__always)
    mutating func appendBE16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    @inline(__always)
    mutating func appendBE32(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends `bytes` as a fixed-size, NUL-padded char array of `size` bytes (cut if longer).
    mutating func appendFixed(_ bytes: [UInt8], size: Int) {
        let used = Swift.min(bytes.count, size)
        append(contentsOf: bytes[0..<used])
        append(contentsOf: repeatElement(0, count: size - used))
    }

    /// The bytes of a NUL-padded char array: up to the first NUL, or all `size` of them.
    func fixedString(at offset: Int, size: Int) -> [UInt8] {
        var out: [UInt8] = []
        for index in offset..<offset + size {
            if self[index] == 0 { break }
            out.append(self[index])
        }
        return out
    }
}
