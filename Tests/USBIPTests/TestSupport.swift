/// Hex text to bytes for test vectors: spaces are ignored; a bad digit is a test bug and traps.
func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var high: UInt8? = nil
    for unit in text.utf8 where unit != 0x20 {
        let nibble: UInt8
        switch unit {
        case 0x30...0x39: nibble = unit - 0x30
        case 0x41...0x46: nibble = unit - 0x41 + 10
        case 0x61...0x66: nibble = unit - 0x61 + 10
        default: preconditionFailure("bad hex digit in test vector: \(text)")
        }
        if let h = high { bytes.append(h << 4 | nibble); high = nil } else { high = nibble }
    }
    precondition(high == nil, "odd number of hex digits in test vector: \(text)")
    return bytes
}

/// `text` as a NUL-padded C char array of `size` bytes, as usbipd fills path[256] and busid[32].
func padded(_ text: String, _ size: Int) -> [UInt8] {
    let bytes = Array(text.utf8)
    precondition(bytes.count <= size)
    return bytes + [UInt8](repeating: 0, count: size - bytes.count)
}
