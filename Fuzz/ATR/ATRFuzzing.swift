import FuzzSupport
import ISO7816

/// An ATR that parses (ISO/IEC 7816-3 §8.2) is its bytes, at most 33 of them; its explanation
/// (what `ukey atr` prints) has one named, explained row per byte, in order; every value derived
/// for the interface device can be computed; and no proper prefix of it is an ATR too (the
/// structure T0 and the TD bytes announce fixes the length).
func fuzzATR(_ bytes: [UInt8]) {
    guard let atr = try? ATR(parsing: bytes) else { return }
    fuzzRequire(atr.bytes == bytes, "an ATR is the bytes it was parsed from")
    fuzzRequire(bytes.count <= ATR.maximumLength, "an ATR has at most 33 bytes: \(bytes.hexString)")
    fuzzRequire(!atr.protocols.isEmpty, "an ATR offers at least one protocol")
    fuzzRequire(atr.historicalBytes.count == atr.k, "K historical bytes")

    let rows = atr.explanation
    fuzzRequire(rows.count == bytes.count, "one explanation row per byte: \(bytes.hexString)")
    for (offset, row) in rows.enumerated() {
        fuzzRequire(row.offset == offset && row.byte == bytes[offset], "row \(offset) explains byte \(offset)")
        fuzzRequire(!row.name.isEmpty && !row.meaning.isEmpty, "row \(offset) has a name and a meaning")
    }

    _ = (atr.fi, atr.fMaxKHz, atr.di, atr.extraGuardTime, atr.specificModeProtocol, atr.waitingTimeInteger)
    fuzzRequire((0...255).contains(atr.ifsc) && (0...15).contains(atr.bwi) && (0...15).contains(atr.cwi),
                "IFSC, BWI and CWI come from one byte or nibble")
    _ = atr.t1UsesCRC

    for length in 0..<bytes.count {
        fuzzRequire((try? ATR(parsing: bytes[..<length])) == nil, "the \(length)-byte prefix is no ATR: \(bytes.hexString)")
    }
}

/// UKey's own ATR and the ATRs of ISO/IEC 7816-3 shapes the explanation covers: T=0 only (no
/// TCK), T=1 with specific bytes, T=15 global bytes, inverse convention, category 00 historical
/// bytes with a status indicator.
var atrSeeds: [String: [UInt8]] {
    /// TS T0 … with TCK appended when `tck`.
    func atr(_ bytes: [UInt8], tck: Bool = true) -> [UInt8] {
        tck ? bytes + [bytes.dropFirst().reduce(0, ^)] : bytes
    }
    return [
        "ukey": ATR.ukey.bytes,
        "t0_only": atr([0x3B, 0x02, 0x14, 0x50], tck: false),
        "t1_specific": atr([0x3B, 0xDA, 0x18, 0xFF, 0x81, 0xB1, 0xFE, 0x75, 0x1F, 0x03,
                            0x00, 0x31, 0xC5, 0x73, 0xC0, 0x01, 0x40, 0x00, 0x90, 0x00]),
        "t15_global": atr([0x3B, 0x83, 0x80, 0x81, 0x1F, 0x03, 0x80, 0x31, 0x80]),
        "inverse": atr([0x3F, 0x65, 0x25, 0x08, 0x93, 0x04, 0x6C, 0x90, 0x00], tck: false),
        "specific_mode_ta2": atr([0x3B, 0xF2, 0x96, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x45, 0x00, 0x80]),
    ]
}
