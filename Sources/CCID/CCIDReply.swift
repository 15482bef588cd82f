/// An RDR_to_PC message on the bulk-IN pipe (CCID rev 1.1 §6.2):
///
///     bMessageType dwLength(LE32) bSlot bSeq bStatus bError [1 message-specific byte] abData
///
/// bSlot and bSeq repeat those of the command being answered.
public struct CCIDReply: Hashable, Sendable {
    public var bSlot: UInt8
    public var bSeq: UInt8
    public var bStatus: CCIDSlotStatus
    /// The slot error; with a time extension, the BWT multiplier (`bError.rawValue`).
    public var bError: CCIDSlotError
    public var message: RDRtoPC

    public init(bSlot: UInt8 = 0, bSeq: UInt8, bStatus: CCIDSlotStatus,
                bError: CCIDSlotError = .commandNotSupported, _ message: RDRtoPC) {
        self.bSlot = bSlot
        self.bSeq = bSeq
        self.bStatus = bStatus
        self.bError = bError
        self.message = message
    }

    /// Parses one complete message.
    /// - Parameter maxMessageLength: dwMaxCCIDMessageLength; longer messages are rejected.
    public init(parsing bytes: some Collection<UInt8>,
                maxMessageLength: Int = CCIDLimits.maxMessageLength) throws(CCIDError) {
        let (header, abData) = try ccidFrame(bytes, maxMessageLength: maxMessageLength)
        let message = try RDRtoPC(header: header, abData: abData)
        guard let status = CCIDSlotStatus(bStatus: header.byte7) else {
            throw .invalidStatus(header, bStatus: header.byte7)
        }
        self.init(bSlot: header.bSlot, bSeq: header.bSeq, bStatus: status,
                  bError: CCIDSlotError(header.byte8), message)
    }

    /// The reply that tells the host a command failed: the response type the spec gives the
    /// command (RDR_to_PC_SlotStatus for an unknown bMessageType), the command's bSlot and
    /// bSeq, bmCommandStatus 1 and `error` in bError (CCID rev 1.1 §6.2.6).
    public static func failure(answering command: CCIDHeader, error: CCIDSlotError,
                               iccStatus: CCIDSlotStatus.ICCStatus) -> CCIDReply {
        let body: RDRtoPC
        switch command.messageType?.responseType {
        case .dataBlock?: body = .dataBlock(bChainParameter: .beginsAndEnds, abData: [])
        case .parameters?: body = .parameters(nil)
        case .escapeResponse?: body = .escape(abData: [])
        case .dataRateAndClockFrequency?: body = .dataRateAndClockFrequency(dwClockFrequency: 0, dwDataRate: 0)
        default: body = .slotStatus(bClockStatus: .running)
        }
        return CCIDReply(bSlot: command.bSlot, bSeq: command.bSeq,
                         bStatus: CCIDSlotStatus(iccStatus, .failed), bError: error, body)
    }

    /// A time-extension reply (bStatus 0x80 | bmICCStatus): the command still runs, and the
    /// host should wait `multiplier` more block waiting times (CCID rev 1.1 §6.2.6).
    public static func timeExtension(answering command: CCIDHeader, multiplier: UInt8 = 1,
                                     iccStatus: CCIDSlotStatus.ICCStatus = .presentActive) -> CCIDReply {
        let body: RDRtoPC = command.messageType?.responseType == .escapeResponse
            ? .escape(abData: []) : .dataBlock(bChainParameter: .beginsAndEnds, abData: [])
        return CCIDReply(bSlot: command.bSlot, bSeq: command.bSeq,
                         bStatus: CCIDSlotStatus(iccStatus, .timeExtension), bError: CCIDSlotError(multiplier), body)
    }

    /// The header this message is sent with.
    public var header: CCIDHeader {
        let e = message.encoded
        return CCIDHeader(bMessageType: message.messageType.rawValue, dwLength: UInt32(e.abData.count),
                          bSlot: bSlot, bSeq: bSeq, byte7: bStatus.bStatus, byte8: bError.rawValue, byte9: e.byte9)
    }

    /// The encoded message.
    public var bytes: [UInt8] {
        let e = message.encoded
        let header = CCIDHeader(bMessageType: message.messageType.rawValue, dwLength: UInt32(e.abData.count),
                                bSlot: bSlot, bSeq: bSeq, byte7: bStatus.bStatus, byte8: bError.rawValue,
                                byte9: e.byte9)
        return header.bytes + e.abData
    }
}
