/// An answer-to-reset (ISO/IEC 7816-3 §8.2):
///
///     TS  T0  [TA1 TB1 TC1 TD1]  [TA2 TB2 TC2 TD2] …  T1 … TK  [TCK]
///
/// TS gives the convention (3B direct, 3F inverse). T0 holds Y1 (which of TA1…TD1 follow) and K
/// (how many historical bytes). Each TDi holds Yi+1 (which of TAi+1…TDi+1 follow) and a protocol
/// type T. TCK is present unless T=0 is the only type indicated, and makes the XOR of T0…TCK
/// zero. At most 33 bytes in all.
///
/// The bytes are the decoded character values, as a CCID reader or PC/SC reports them (TS of an
/// inverse-convention card reads 3F).
public struct ATR: Hashable, Sendable {
    /// The whole ATR, TS to TCK.
    public private(set) var bytes: [UInt8]
    public private(set) var convention: Convention
    /// The format byte: Y1 in the high nibble, K in the low one.
    public private(set) var t0: UInt8
    /// The groups of interface bytes in order: group i holds TAi…TDi. Empty when Y1 is 0.
    public private(set) var interfaceBytes: [ATRInterfaceBytes]
    /// The transmission protocols offered, in the order the TD bytes first indicate them (the
    /// first one is the default); `[0]` when no TD byte indicates one. T=15 announces global
    /// interface bytes, not a protocol, and is not listed.
    public private(set) var protocols: [UInt8]
    /// T1…TK.
    public private(set) var historicalBytes: [UInt8]
    /// The check byte; `nil` when only T=0 is indicated.
    public private(set) var tck: UInt8?

    /// The largest ATR ISO/IEC 7816-3 allows: TS and 32 more bytes.
    public static let maximumLength = 33

    /// Parses exactly one ATR that must span all of `bytes`, checking TS, the structure T0 and
    /// the TD bytes announce, the length limit and TCK.
    public init(parsing input: some Collection<UInt8>) throws(ATRError) {
        let b = Array(input)
        var offset = 0

        let ts = try ATR.read(b, &offset, .ts)
        switch ts {
        case 0x3B: convention = .direct
        case 0x3F: convention = .inverse
        default: throw .invalidTS(ts)
        }

        t0 = try ATR.read(b, &offset, .t0)
        let k = Int(t0 & 0x0F)
        var indicator = t0 >> 4                                  // Yi: TAi TBi TCi TDi present
        var tckRequired = false
        var index = 1
        var qualifier: UInt8? = nil
        var groups: [ATRInterfaceBytes] = []
        var offered: [UInt8] = []

        try ATR.checkLength(offset + indicator.nonzeroBitCount + k)
        while indicator != 0 {
            var group = ATRInterfaceBytes(index: index, qualifier: qualifier)
            if indicator & 0x1 != 0 { group.ta = try ATR.read(b, &offset, .ta(index)) }
            if indicator & 0x2 != 0 { group.tb = try ATR.read(b, &offset, .tb(index)) }
            if indicator & 0x4 != 0 { group.tc = try ATR.read(b, &offset, .tc(index)) }
            if indicator & 0x8 != 0 { group.td = try ATR.read(b, &offset, .td(index)) }
            groups.append(group)
            guard let t = group.protocolType else { break }
            if t != 0 { tckRequired = true }                     // T=15 too (§8.2.5)
            if t != 15 && !offered.contains(t) { offered.append(t) }
            indicator = group.nextIndicator
            qualifier = t
            index += 1
            try ATR.checkLength(offset + indicator.nonzeroBitCount + k + (tckRequired ? 1 : 0))
        }
        interfaceBytes = groups
        protocols = offered.isEmpty ? [0] : offered

        var historical: [UInt8] = []
        for n in 0..<k { historical.append(try ATR.read(b, &offset, .historicalByte(n + 1))) }
        historicalBytes = historical

        tck = nil
        if tckRequired {
            let found = try ATR.read(b, &offset, .tck)
            var expected: UInt8 = 0
            for byte in b[1..<offset - 1] { expected ^= byte }
            guard expected == found else { throw .invalidTCK(expected: expected, found: found) }
            tck = found
        }
        guard offset == b.count else { throw .trailingBytes(offset: offset) }
        bytes = Array(b[..<offset])
    }

    // MARK: The bytes of T0

    /// TS, the initial character.
    public var ts: UInt8 { bytes[0] }
    /// Y1, the high nibble of T0: bit 1 TA1, bit 2 TB1, bit 3 TC1, bit 4 TD1 present.
    public var y1: UInt8 { t0 >> 4 }
    /// K, the low nibble of T0: the number of historical bytes.
    public var k: Int { Int(t0 & 0x0F) }

    /// The group of interface bytes with index `i`, if the ATR has one.
    public func interfaceBytes(_ i: Int) -> ATRInterfaceBytes? {
        interfaceBytes.first { $0.index == i }
    }

    // MARK: Values for the interface device (§8.3, §11.4)

    /// TA1, the FI/DI byte, if present.
    public var ta1: UInt8? { interfaceBytes(1)?.ta }

    /// Fi from FI in TA1; `nil` without TA1 (then Fd = 372 applies) or for an RFU FI.
    public var fi: Int? { ta1.flatMap { ATR.clockRateConversion(fi: $0 >> 4)?.fi } }

    /// f(max) in kHz from FI in TA1; `nil` without TA1 (then 5 MHz applies) or for an RFU FI.
    public var fMaxKHz: Int? { ta1.flatMap { ATR.clockRateConversion(fi: $0 >> 4)?.fMaxKHz } }

    /// Di from DI in TA1; `nil` without TA1 (then Dd = 1 applies) or for an RFU DI.
    public var di: Int? { ta1.flatMap { ATR.baudRateAdjustment(di: $0 & 0x0F) } }

    /// N from TC1, the extra guard time in etu (255: minimum guard time); 0 without TC1.
    public var extraGuardTime: Int { Int(interfaceBytes(1)?.tc ?? 0) }

    /// The protocol of the specific mode announced by TA2, `nil` without TA2 (negotiable mode).
    public var specificModeProtocol: UInt8? { interfaceBytes(2)?.ta.map { $0 & 0x0F } }

    /// WI from TC2 (specific to T=0): waiting time 960 × WI × Fi / f; 10 without TC2.
    public var waitingTimeInteger: Int { Int(interfaceBytes(2)?.tc ?? 10) }

    /// IFSC, the maximum information field size of the card, from the first TAi (i ≥ 3) for T=1;
    /// 32 without one (§11.4.2).
    public var ifsc: Int { Int(firstT1Byte { $0.ta } ?? 32) }

    /// BWI, the block waiting time integer, from the high nibble of the first TBi (i ≥ 3) for T=1;
    /// 4 without one (§11.4.3).
    public var bwi: Int { firstT1Byte { $0.tb }.map { Int($0 >> 4) } ?? 4 }

    /// CWI, the character waiting time integer, from the low nibble of the first TBi (i ≥ 3) for
    /// T=1; 13 without one (§11.4.3).
    public var cwi: Int { firstT1Byte { $0.tb }.map { Int($0 & 0x0F) } ?? 13 }

    /// Whether T=1 blocks end with a CRC (bit 1 of the first TCi, i ≥ 3, for T=1) rather than
    /// the default LRC (§11.4.4).
    public var t1UsesCRC: Bool { firstT1Byte { $0.tc }.map { $0 & 0x01 != 0 } ?? false }

    /// The first byte that `select` picks from a group for T=1 (i ≥ 3, after a TD with T=1).
    /// A closure, not a key path: key paths are not available in Embedded Swift.
    func firstT1Byte(_ select: (ATRInterfaceBytes) -> UInt8?) -> UInt8? {
        for group in interfaceBytes where group.index >= 3 && group.qualifier == 1 {
            if let byte = select(group) { return byte }
        }
        return nil
    }

    // MARK: Parsing helpers

    private static func read(_ b: [UInt8], _ offset: inout Int, _ field: ATRField) throws(ATRError) -> UInt8 {
        guard offset < b.count else { throw .truncated(expected: field, offset: offset) }
        defer { offset += 1 }
        return b[offset]
    }

    private static func checkLength(_ minimumLength: Int) throws(ATRError) {
        guard minimumLength <= maximumLength else { throw .tooLong(minimumLength: minimumLength) }
    }
}

extension ATR {
    /// UKey's own ATR, `3B 8B 80 01 80 F9 A0 00 00 03 08 00 00 10 00 C8` (ARCHITECTURE.md):
    /// TD1 indicates T=0 and TD2 T=1 (the PC/SC pseudo-ATR layout), no TA/TB/TC, default IFSC 32
    /// and BWI 4; the historical bytes are category 80 and the compact-TLV object F9, the PIV AID
    /// prefix A0 00 00 03 08 00 00 10 00.
    public static let ukey: ATR = try! ATR(parsing: [
        0x3B, 0x8B, 0x80, 0x01, 0x80, 0xF9, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0xC8,
    ])
}
