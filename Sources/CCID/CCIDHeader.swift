import ISO7816

/// The 10-byte header shared by every bulk CCID message (CCID rev 1.1 §6.1, §6.2):
///
///     offset 0  bMessageType
///            1  dwLength          (little-endian, size of abData that follows)
///            5  bSlot
///            6  bSeq
///            7  3 message-specific bytes (bPowerSelect, bBWI + wLevelParameter,
///               bStatus + bError + bChainParameter, …)
///           10  abData[dwLength]
///
/// The header is kept raw so that a device can answer a command it could not parse
/// (same bSlot and bSeq, the response type of bMessageType).
public struct CCIDHeader: Hashable, Sendable {
    /// The header size in bytes.
    public static let count = 10

    public var bMessageType: UInt8
    public var dwLength: UInt32
    public var bSlot: UInt8
    public var bSeq: UInt8
    /// Byte 7, the first message-specific byte (e.g. bPowerSelect, bBWI, bStatus).
    public var byte7: UInt8
    /// Byte 8 (e.g. the low byte of wLevelParameter, bError).
    public var byte8: UInt8
    /// Byte 9 (e.g. the high byte of wLevelParameter, bChainParameter, bClockStatus).
    public var byte9: UInt8

    public init(bMessageType: UInt8, dwLength: UInt32, bSlot: UInt8, bSeq: UInt8,
                byte7: UInt8 = 0, byte8: UInt8 = 0, byte9: UInt8 = 0) {
        self.bMessageType = bMessageType
        self.dwLength = dwLength
        self.bSlot = bSlot
        self.bSeq = bSeq
        self.byte7 = byte7
        self.byte8 = byte8
        self.byte9 = byte9
    }

    /// Parses the first 10 bytes; the bytes after them are not looked at.
    /// Read in place (no copy): every reply to every APDU has its header parsed.
    public init(parsing bytes: some Collection<UInt8>) throws(CCIDError) {
        let available = bytes.count
        guard available >= CCIDHeader.count else { throw .headerTooShort(count: available) }
        var index = bytes.startIndex
        func next() -> UInt8 {
            defer { bytes.formIndex(after: &index) }
            return bytes[index]
        }
        let bMessageType = next()
        var dwLength: UInt32 = 0
        for shift in stride(from: 0, to: 32, by: 8) { dwLength |= UInt32(next()) << shift }
        self.init(bMessageType: bMessageType, dwLength: dwLength, bSlot: next(), bSeq: next(), byte7: next(),
                  byte8: next(), byte9: next())
    }

    /// bMessageType as a known type, or `nil`.
    public var messageType: CCIDMessageType? { CCIDMessageType(rawValue: bMessageType) }

    /// The message size announced by the header: 10 + dwLength.
    public var messageLength: Int { CCIDHeader.count + Int(dwLength) }

    /// wLevelParameter (bytes 8–9, little-endian) of XfrBlock and Secure.
    public var wLevelParameter: UInt16 { UInt16(byte8) | UInt16(byte9) << 8 }

    /// The encoded header.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        append(to: &out)
        return out
    }

    /// Appends the encoded header to `out` (a message's bytes built in one buffer).
    public func append(to out: inout [UInt8]) {
        out.reserveCapacity(out.count + CCIDHeader.count)
        out.append(bMessageType)
        out.appendLE32(dwLength)
        out.append(bSlot)
        out.append(bSeq)
        out.append(byte7)
        out.append(byte8)
        out.append(byte9)
    }
}
