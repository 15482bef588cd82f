/// A PC_to_RDR message on the bulk-OUT pipe: the header's bSlot and bSeq plus the typed
/// message (CCID rev 1.1 §6.1).
///
///     bMessageType dwLength(LE32) bSlot bSeq [3 message-specific bytes] abData[dwLength]
///
/// `PC_to_RDR_IccPowerOn` for slot 0, sequence 1, automatic voltage is
/// `62 00000000 00 01 00 00 00`.
public struct CCIDCommand: Hashable, Sendable {
    public var bSlot: UInt8
    public var bSeq: UInt8
    public var message: PCtoRDR

    public init(bSlot: UInt8 = 0, bSeq: UInt8, _ message: PCtoRDR) {
        self.bSlot = bSlot
        self.bSeq = bSeq
        self.message = message
    }

    /// Parses one complete message.
    /// - Parameter maxMessageLength: dwMaxCCIDMessageLength; longer messages are rejected
    ///   with `messageTooLong` before their length is compared with the bytes present.
    public init(parsing bytes: some Collection<UInt8>,
                maxMessageLength: Int = CCIDLimits.maxMessageLength) throws(CCIDError) {
        let (header, abData) = try ccidFrame(bytes, maxMessageLength: maxMessageLength)
        self.init(bSlot: header.bSlot, bSeq: header.bSeq, try PCtoRDR(header: header, abData: abData))
    }

    /// The header this message is sent with.
    public var header: CCIDHeader {
        let e = message.encoded
        return CCIDHeader(bMessageType: message.messageType.rawValue, dwLength: UInt32(e.abData.count),
                          bSlot: bSlot, bSeq: bSeq, byte7: e.byte7, byte8: e.byte8, byte9: e.byte9)
    }

    /// The encoded message.
    public var bytes: [UInt8] {
        let e = message.encoded
        let header = CCIDHeader(bMessageType: message.messageType.rawValue, dwLength: UInt32(e.abData.count),
                                bSlot: bSlot, bSeq: bSeq, byte7: e.byte7, byte8: e.byte8, byte9: e.byte9)
        var out: [UInt8] = []
        out.reserveCapacity(CCIDHeader.count + e.abData.count)
        header.append(to: &out)
        out += e.abData
        return out
    }
}
