/// A command APDU (ISO/IEC 7816-3 §12.1, 7816-4 §5.1):
///
///     CLA INS P1 P2 [Lc field] [data] [Le field]
///
/// Four cases: 1 (no data, no response), 2 (response only), 3 (data only), 4 (both), each in
/// short form (Lc 1 byte, Le 1 byte, 00 = 256) or extended form (a 00 byte, then Lc in 2 bytes;
/// Le in 2 bytes, 0000 = 65536; alone, Le is 00 + 2 bytes).
public struct CommandAPDU: Hashable, Sendable {
    public var cla: UInt8
    public var ins: UInt8
    public var p1: UInt8
    public var p2: UInt8
    /// P1 and P2 as one big-endian value, as command tables write them (`9E9A`).
    public var p1p2: UInt16 { UInt16(p1) << 8 | UInt16(p2) }
    /// The command data field (Nc = `data.count`, at most 65,535 bytes).
    public var data: [UInt8]
    /// Ne, the maximum number of response data bytes expected (1...65,536), or `nil` when the
    /// command has no Le field.
    public var ne: Int?
    /// Whether the length fields use the extended form.
    public var isExtended: Bool

    /// Builds a command; the length form is short when Nc ≤ 255 and Ne ≤ 256, unless
    /// `extended` asks for the extended form.
    public init(cla: UInt8, ins: UInt8, p1: UInt8, p2: UInt8, data: [UInt8] = [], ne: Int? = nil,
                extended: Bool = false) throws(APDUError) {
        guard data.count <= 65_535 else { throw .dataTooLong(count: data.count) }
        if let ne { guard (1...65_536).contains(ne) else { throw .neOutOfRange(ne) } }
        self.cla = cla
        self.ins = ins
        self.p1 = p1
        self.p2 = p2
        self.data = data
        self.ne = ne
        // Case 1 has no length field, so it has no form: keep it short so that parsing the
        // encoding gives back an equal value.
        let hasLengthField = !data.isEmpty || ne != nil
        self.isExtended = hasLengthField && (extended || data.count > 255 || (ne ?? 0) > 256)
    }

    /// Parses a command, checking every length rule of ISO/IEC 7816-3 §12.1.3.
    public init(parsing bytes: some Collection<UInt8>) throws(APDUError) {
        let b = Array(bytes)
        guard b.count >= 4 else { throw .tooShort(count: b.count) }
        cla = b[0]; ins = b[1]; p1 = b[2]; p2 = b[3]
        data = []
        ne = nil
        isExtended = false
        let body = b.count - 4
        if body == 0 { return }                                  // case 1
        let first = Int(b[4])
        if body == 1 {                                            // case 2S
            ne = first == 0 ? 256 : first
            return
        }
        if first != 0 {                                           // case 3S / 4S
            let nc = first
            if body == 1 + nc {
                data = Array(b[5..<5 + nc])
            } else if body == 2 + nc {
                data = Array(b[5..<5 + nc])
                let le = Int(b[b.count - 1])                      // the last byte
                ne = le == 0 ? 256 : le
            } else {
                throw .lengthMismatch(declared: nc, available: body - 1)
            }
            return
        }
        // Extended: a 00 byte, then two bytes.
        isExtended = true
        guard body >= 3 else { throw .truncatedExtendedLength }
        let word = Int(b[5]) << 8 | Int(b[6])
        if body == 3 {                                            // case 2E
            ne = word == 0 ? 65_536 : word
            return
        }
        guard word != 0 else { throw .extendedLcZero }
        let nc = word
        if body == 3 + nc {                                       // case 3E
            data = Array(b[7..<7 + nc])
        } else if body == 5 + nc {                                // case 4E
            data = Array(b[7..<7 + nc])
            let le = Int(b[7 + nc]) << 8 | Int(b[8 + nc])
            ne = le == 0 ? 65_536 : le
        } else {
            throw .lengthMismatch(declared: nc, available: body - 3)
        }
    }

    /// The encoded command.
    ///
    /// The extended form is also used when `data` or `ne` were changed after `init` to values the
    /// short form cannot hold, so encoding never traps on a mutated value (Nc ≤ 65,535 and
    /// Ne ≤ 65,536 remain the caller's duty).
    public var bytes: [UInt8] {
        var out: [UInt8] = [cla, ins, p1, p2]
        if isExtended || data.count > 255 || (ne ?? 0) > 256 {
            if !data.isEmpty {
                out += [0, UInt8(data.count >> 8), UInt8(data.count & 0xFF)]
                out += data
            }
            if let ne {
                let le = ne == 65_536 ? 0 : ne
                if data.isEmpty { out.append(0) }
                out += [UInt8(le >> 8 & 0xFF), UInt8(le & 0xFF)]
            }
        } else {
            if !data.isEmpty {
                out.append(UInt8(data.count))
                out += data
            }
            if let ne { out.append(UInt8(ne & 0xFF)) }            // 256 encodes as 00
        }
        return out
    }

    /// The ISO case number, 1 to 4.
    public var isoCase: Int {
        switch (data.isEmpty, ne == nil) {
        case (true, true): return 1
        case (true, false): return 2
        case (false, true): return 3
        case (false, false): return 4
        }
    }

    /// CLA bit b5 (0x10): more commands of this chain follow (ISO/IEC 7816-4 §5.4.1).
    public var isChained: Bool { cla & 0x10 != 0 }
}

/// Why a byte string is not a command APDU.
public enum APDUError: Error, Hashable, Sendable {
    /// Fewer than the four header bytes CLA INS P1 P2.
    case tooShort(count: Int)
    /// Lc announces `declared` data bytes; the bytes after it do not fit any case.
    case lengthMismatch(declared: Int, available: Int)
    /// An extended length field starts (a 00 byte) but its two length bytes are missing.
    case truncatedExtendedLength
    /// Extended Lc of 0000: Nc must be 1...65,535.
    case extendedLcZero
    /// More than 65,535 data bytes.
    case dataTooLong(count: Int)
    /// Ne outside 1...65,536.
    case neOutOfRange(Int)
}
