import ISO7816

/// The RDR_to_PC messages of the bulk-IN pipe (CCID rev 1.1 §6.2), each with the fields that
/// follow bStatus and bError (header byte 9) and abData. bStatus and bError, common to all
/// five, live in `CCIDReply`.
public enum RDRtoPC: Hashable, Sendable {
    /// RDR_to_PC_DataBlock (80): bChainParameter, abData (ATR, response APDU or TPDU).
    case dataBlock(bChainParameter: CCIDChainParameter, abData: [UInt8])
    /// RDR_to_PC_SlotStatus (81): bClockStatus; dwLength 0.
    case slotStatus(bClockStatus: CCIDClockStatus)
    /// RDR_to_PC_Parameters (82): bProtocolNum, abProtocolDataStructure. `nil` stands for
    /// the failure form with dwLength 0 (bProtocolNum is then sent as 0 and ignored).
    case parameters(CCIDProtocolData?)
    /// RDR_to_PC_Escape (83): bRFU, abData (vendor specific).
    case escape(abData: [UInt8])
    /// RDR_to_PC_DataRateAndClockFrequency (84): bRFU; dwLength 8: dwClockFrequency (kHz),
    /// dwDataRate (bps), little-endian.
    case dataRateAndClockFrequency(dwClockFrequency: UInt32, dwDataRate: UInt32)

    public var messageType: CCIDMessageType {
        switch self {
        case .dataBlock: return .dataBlock
        case .slotStatus: return .slotStatus
        case .parameters: return .parameters
        case .escape: return .escapeResponse
        case .dataRateAndClockFrequency: return .dataRateAndClockFrequency
        }
    }

    /// Header byte 9 and abData.
    var encoded: (byte9: UInt8, abData: [UInt8]) {
        switch self {
        case .dataBlock(let chain, let data): return (chain.rawValue, data)
        case .slotStatus(let clock): return (clock.rawValue, [])
        case .parameters(let parameters): return (parameters?.bProtocolNum ?? 0, parameters?.bytes ?? [])
        case .escape(let data): return (0, data)
        case .dataRateAndClockFrequency(let clock, let rate):
            var data: [UInt8] = []
            data.appendLE32(clock)
            data.appendLE32(rate)
            return (0, data)
        }
    }

    /// Decodes the message-specific fields of a framed message.
    init(header: CCIDHeader, abData: [UInt8]) throws(CCIDError) {
        guard let type = header.messageType, type.direction == .rdrToPCBulk else {
            throw .unknownMessageType(header)
        }
        switch type {
        case .dataBlock:
            guard let chain = CCIDChainParameter(rawValue: header.byte9) else {
                throw .badParameter(header, offset: 9)
            }
            self = .dataBlock(bChainParameter: chain, abData: abData)
        case .slotStatus:
            guard abData.isEmpty else { throw .badParameter(header, offset: 1) }
            guard let clock = CCIDClockStatus(rawValue: header.byte9) else {
                throw .badParameter(header, offset: 9)
            }
            self = .slotStatus(bClockStatus: clock)
        case .parameters:
            if abData.isEmpty {
                self = .parameters(nil)
            } else {
                self = .parameters(try CCIDProtocolData(bProtocolNum: header.byte9, abData: abData,
                                                        header: header, protocolOffset: 9))
            }
        case .escapeResponse:
            self = .escape(abData: abData)
        case .dataRateAndClockFrequency:
            guard abData.count == 8 else { throw .badParameter(header, offset: 1) }
            var r = ByteReader(abData)
            guard let clock = try? r.readLE32(), let rate = try? r.readLE32() else { throw .badParameter(header, offset: 1) }
            self = .dataRateAndClockFrequency(dwClockFrequency: clock, dwDataRate: rate)
        default:
            throw .unknownMessageType(header)
        }
    }
}
