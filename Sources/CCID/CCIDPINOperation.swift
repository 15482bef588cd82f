import ISO7816

/// PC_to_RDR_Secure's abData for bPINOperation 00 (PIN verification) and 01 (PIN modification):
/// CCID rev 1.1 §6.1.11, byte-exact as libccid sends it (commands.c SecurePINVerify /
/// SecurePINModify, which drop part 10's bTimeOut2 and ulDataLength):
///
///     verification  00 bTimeOut bmFormatString bmPINBlockString bmPINLengthFormat
///                   wPINMaxExtraDigit(LE) bEntryValidationCondition bNumberMessage wLangId(LE)
///                   bMsgIndex bTeoPrologue[3] abPINApdu
///     modification  01 bTimeOut bmFormatString bmPINBlockString bmPINLengthFormat
///                   bInsertionOffsetOld bInsertionOffsetNew wPINMaxExtraDigit(LE) bConfirmPIN
///                   bEntryValidationCondition bNumberMessage wLangId(LE) bMsgIndex1
///                   [bMsgIndex2] [bMsgIndex3] bTeoPrologue[3] abPINApdu
///
/// bMsgIndex2 is present when bNumberMessage is not 0, bMsgIndex3 when it is 3 or more (FF, the
/// reader's default, included), as libccid encodes them.
public struct CCIDPINOperation: Hashable, Sendable {
    /// bPINOperation 00: verification; 01: modification.
    public static let verification: UInt8 = 0x00
    public static let modification: UInt8 = 0x01

    public var bPINOperation: UInt8
    /// Seconds the holder has for each entry; 0: the reader's default.
    public var bTimeOut: UInt8
    /// Bit 7 units of the PIN position (1 bytes, 0 bits), bits 6–3 the position in the data
    /// field, bit 2 right justification, bits 1–0 the PIN format (00 binary, 01 BCD, 10 ASCII).
    public var bmFormatString: UInt8
    /// Bits 7–4 the size of the PIN length field in bits (0: none), bits 3–0 the PIN block size
    /// in bytes (0: the digits typed, Lc set to match).
    public var bmPINBlockString: UInt8
    /// Bit 4 units of the PIN length position (1 bytes, 0 bits), bits 3–0 that position.
    public var bmPINLengthFormat: UInt8
    /// Modification only: where the current and the new PIN go, bytes after the PIN position.
    public var bInsertionOffsetOld: UInt8
    public var bInsertionOffsetNew: UInt8
    /// XXYY: XX the fewest digits, YY the most.
    public var wPINMaxExtraDigit: UInt16
    /// Modification only: bit 0 the new PIN is typed twice, bit 1 the current PIN is typed first.
    public var bConfirmPIN: UInt8
    /// Bit 0 entry ends when the most digits are typed, bit 1 on the OK key, bit 2 on time-out.
    public var bEntryValidationCondition: UInt8
    public var bNumberMessage: UInt8
    public var wLangId: UInt16
    /// bMsgIndex (verification) or bMsgIndex1…3 (modification, as many as bNumberMessage asks).
    public var bMsgIndex: [UInt8]
    /// T=1 prologue (NAD, PCB, LEN) of the I-block the APDU travels in at TPDU level.
    public var bTeoPrologue: [UInt8]
    /// The command APDU the reader completes with the PIN(s).
    public var abPINApdu: [UInt8]

    public init(bPINOperation: UInt8, bTimeOut: UInt8, bmFormatString: UInt8, bmPINBlockString: UInt8,
                bmPINLengthFormat: UInt8, bInsertionOffsetOld: UInt8 = 0, bInsertionOffsetNew: UInt8 = 0,
                wPINMaxExtraDigit: UInt16, bConfirmPIN: UInt8 = 0, bEntryValidationCondition: UInt8,
                bNumberMessage: UInt8, wLangId: UInt16, bMsgIndex: [UInt8], bTeoPrologue: [UInt8] = [0, 0, 0],
                abPINApdu: [UInt8]) {
        self.bPINOperation = bPINOperation
        self.bTimeOut = bTimeOut
        self.bmFormatString = bmFormatString
        self.bmPINBlockString = bmPINBlockString
        self.bmPINLengthFormat = bmPINLengthFormat
        self.bInsertionOffsetOld = bInsertionOffsetOld
        self.bInsertionOffsetNew = bInsertionOffsetNew
        self.wPINMaxExtraDigit = wPINMaxExtraDigit
        self.bConfirmPIN = bConfirmPIN
        self.bEntryValidationCondition = bEntryValidationCondition
        self.bNumberMessage = bNumberMessage
        self.wLangId = wLangId
        self.bMsgIndex = bMsgIndex
        self.bTeoPrologue = bTeoPrologue
        self.abPINApdu = abPINApdu
    }

    /// How many bMsgIndex bytes a modification carries for `bNumberMessage`.
    public static func modificationMessageCount(_ bNumberMessage: UInt8) -> Int {
        bNumberMessage == 0 ? 1 : (bNumberMessage < 3 ? 2 : 3)
    }

    /// Parses abData. A short structure throws with the offset (in abData) of the first missing
    /// byte; an unknown bPINOperation with offset 0.
    public init(parsing abData: [UInt8]) throws(CCIDPINOperationError) {
        var r = ByteReader(abData)
        func byte() throws(CCIDPINOperationError) -> UInt8 {
            do { return try r.readByte() } catch { throw CCIDPINOperationError(offset: r.offset) }
        }
        func le16() throws(CCIDPINOperationError) -> UInt16 {
            let low = try byte()
            return UInt16(try byte()) << 8 | UInt16(low)
        }
        let operation = try byte()
        guard operation == CCIDPINOperation.verification || operation == CCIDPINOperation.modification else {
            throw CCIDPINOperationError(offset: 0)
        }
        let modify = operation == CCIDPINOperation.modification
        bPINOperation = operation
        bTimeOut = try byte()
        bmFormatString = try byte()
        bmPINBlockString = try byte()
        bmPINLengthFormat = try byte()
        bInsertionOffsetOld = modify ? try byte() : 0
        bInsertionOffsetNew = modify ? try byte() : 0
        wPINMaxExtraDigit = try le16()
        bConfirmPIN = modify ? try byte() : 0
        bEntryValidationCondition = try byte()
        bNumberMessage = try byte()
        wLangId = try le16()
        var indices: [UInt8] = []
        for _ in 0..<(modify ? CCIDPINOperation.modificationMessageCount(bNumberMessage) : 1) {
            indices.append(try byte())
        }
        bMsgIndex = indices
        bTeoPrologue = [try byte(), try byte(), try byte()]
        guard r.remaining >= 4 else { throw CCIDPINOperationError(offset: r.offset) }
        abPINApdu = r.readRest()
    }

    public var isModification: Bool { bPINOperation == CCIDPINOperation.modification }

    /// The fewest and most digits (wPINMaxExtraDigit XX and YY).
    public var minimumDigits: Int { Int(wPINMaxExtraDigit >> 8) }
    public var maximumDigits: Int { Int(wPINMaxExtraDigit & 0xFF) }

    /// Offset in abData of bTeoPrologue.
    public var teoPrologueOffset: Int { isModification ? 14 + bMsgIndex.count : 12 }

    /// The encoded abData.
    public var bytes: [UInt8] {
        var out: [UInt8] = [bPINOperation, bTimeOut, bmFormatString, bmPINBlockString, bmPINLengthFormat]
        if isModification { out += [bInsertionOffsetOld, bInsertionOffsetNew] }
        out.appendLE16(wPINMaxExtraDigit)
        if isModification { out.append(bConfirmPIN) }
        out += [bEntryValidationCondition, bNumberMessage]
        out.appendLE16(wLangId)
        out += bMsgIndex + bTeoPrologue + abPINApdu
        return out
    }
}

/// A PIN verification or modification structure that does not parse: `offset` is the byte of
/// abData at fault (the CCID message offset is 10 more).
public struct CCIDPINOperationError: Error, Hashable, Sendable {
    public var offset: Int
    public init(offset: Int) { self.offset = offset }
}
