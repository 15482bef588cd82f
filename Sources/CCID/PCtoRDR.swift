import ISO7816

/// The PC_to_RDR messages of the bulk-OUT pipe (CCID rev 1.1 §6.1), each with its
/// message-specific fields (header bytes 7–9) and abData. abRFU bytes are sent as 0 and
/// ignored when parsing.
public enum PCtoRDR: Hashable, Sendable {
    /// PC_to_RDR_IccPowerOn (62): `bPowerSelect`, abRFU[2]; dwLength 0.
    case iccPowerOn(bPowerSelect: CCIDPowerSelect)
    /// PC_to_RDR_IccPowerOff (63): abRFU[3]; dwLength 0.
    case iccPowerOff
    /// PC_to_RDR_GetSlotStatus (65): abRFU[3]; dwLength 0.
    case getSlotStatus
    /// PC_to_RDR_XfrBlock (6F): bBWI (block waiting time extension), wLevelParameter
    /// (little-endian: chaining at extended APDU level, expected length at character level),
    /// abData (a TPDU or APDU).
    case xfrBlock(bBWI: UInt8, wLevelParameter: UInt16, abData: [UInt8])
    /// PC_to_RDR_GetParameters (6C): abRFU[3]; dwLength 0.
    case getParameters
    /// PC_to_RDR_ResetParameters (6D): abRFU[3]; dwLength 0.
    case resetParameters
    /// PC_to_RDR_SetParameters (61): bProtocolNum, abRFU[2], abProtocolDataStructure
    /// (5 bytes for T=0, 7 for T=1).
    case setParameters(CCIDProtocolData)
    /// PC_to_RDR_Escape (6B): abRFU[3], abData (vendor specific).
    case escape(abData: [UInt8])
    /// PC_to_RDR_IccClock (6E): bClockCommand, abRFU[2]; dwLength 0.
    case iccClock(bClockCommand: CCIDClockCommand)
    /// PC_to_RDR_T0APDU (6A): bmChanges (bit 0: bClassGetResponse valid, bit 1:
    /// bClassEnvelope valid), bClassGetResponse, bClassEnvelope; dwLength 0.
    case t0APDU(bmChanges: UInt8, bClassGetResponse: UInt8, bClassEnvelope: UInt8)
    /// PC_to_RDR_Secure (69): bBWI, wLevelParameter, abData (bPINOperation and the PIN
    /// verification or modification data structure, §6.1.11).
    case secure(bBWI: UInt8, wLevelParameter: UInt16, abData: [UInt8])
    /// PC_to_RDR_Mechanical (71): bFunction, abRFU[2]; dwLength 0.
    case mechanical(bFunction: CCIDMechanicalFunction)
    /// PC_to_RDR_Abort (72): abRFU[3]; dwLength 0. Also announced on the control pipe.
    case abort
    /// PC_to_RDR_SetDataRateAndClockFrequency (73): abRFU[3]; dwLength 8: dwClockFrequency
    /// (kHz), dwDataRate (bps), little-endian.
    case setDataRateAndClockFrequency(dwClockFrequency: UInt32, dwDataRate: UInt32)

    public var messageType: CCIDMessageType {
        switch self {
        case .iccPowerOn: return .iccPowerOn
        case .iccPowerOff: return .iccPowerOff
        case .getSlotStatus: return .getSlotStatus
        case .xfrBlock: return .xfrBlock
        case .getParameters: return .getParameters
        case .resetParameters: return .resetParameters
        case .setParameters: return .setParameters
        case .escape: return .escape
        case .iccClock: return .iccClock
        case .t0APDU: return .t0APDU
        case .secure: return .secure
        case .mechanical: return .mechanical
        case .abort: return .abort
        case .setDataRateAndClockFrequency: return .setDataRateAndClockFrequency
        }
    }

    /// Header bytes 7, 8, 9 and abData.
    var encoded: (byte7: UInt8, byte8: UInt8, byte9: UInt8, abData: [UInt8]) {
        switch self {
        case .iccPowerOn(let power): return (power.rawValue, 0, 0, [])
        case .iccPowerOff, .getSlotStatus, .getParameters, .resetParameters, .abort: return (0, 0, 0, [])
        case .xfrBlock(let bwi, let level, let data), .secure(let bwi, let level, let data):
            return (bwi, UInt8(truncatingIfNeeded: level), UInt8(truncatingIfNeeded: level >> 8), data)
        case .setParameters(let parameters): return (parameters.bProtocolNum, 0, 0, parameters.bytes)
        case .escape(let data): return (0, 0, 0, data)
        case .iccClock(let command): return (command.rawValue, 0, 0, [])
        case .t0APDU(let changes, let getResponse, let envelope): return (changes, getResponse, envelope, [])
        case .mechanical(let function): return (function.rawValue, 0, 0, [])
        case .setDataRateAndClockFrequency(let clock, let rate):
            var data: [UInt8] = []
            data.appendLE32(clock)
            data.appendLE32(rate)
            return (0, 0, 0, data)
        }
    }

    /// Decodes the message-specific fields of a framed message.
    init(header: CCIDHeader, abData: [UInt8]) throws(CCIDError) {
        guard let type = header.messageType, type.direction == .pcToRDR else {
            throw .unknownMessageType(header)
        }
        func requireLength(_ count: Int) throws(CCIDError) {
            guard abData.count == count else { throw .badParameter(header, offset: 1) }
        }
        switch type {
        case .iccPowerOn:
            try requireLength(0)
            guard let power = CCIDPowerSelect(rawValue: header.byte7) else {
                throw .badParameter(header, offset: 7)
            }
            self = .iccPowerOn(bPowerSelect: power)
        case .iccPowerOff: try requireLength(0); self = .iccPowerOff
        case .getSlotStatus: try requireLength(0); self = .getSlotStatus
        case .getParameters: try requireLength(0); self = .getParameters
        case .resetParameters: try requireLength(0); self = .resetParameters
        case .abort: try requireLength(0); self = .abort
        case .xfrBlock:
            self = .xfrBlock(bBWI: header.byte7, wLevelParameter: header.wLevelParameter, abData: abData)
        case .secure:
            self = .secure(bBWI: header.byte7, wLevelParameter: header.wLevelParameter, abData: abData)
        case .setParameters:
            self = .setParameters(try CCIDProtocolData(bProtocolNum: header.byte7, abData: abData, header: header))
        case .escape:
            self = .escape(abData: abData)
        case .iccClock:
            try requireLength(0)
            guard let command = CCIDClockCommand(rawValue: header.byte7) else {
                throw .badParameter(header, offset: 7)
            }
            self = .iccClock(bClockCommand: command)
        case .t0APDU:
            try requireLength(0)
            self = .t0APDU(bmChanges: header.byte7, bClassGetResponse: header.byte8, bClassEnvelope: header.byte9)
        case .mechanical:
            try requireLength(0)
            guard let function = CCIDMechanicalFunction(rawValue: header.byte7) else {
                throw .badParameter(header, offset: 7)
            }
            self = .mechanical(bFunction: function)
        case .setDataRateAndClockFrequency:
            try requireLength(8)
            var r = ByteReader(abData)
            guard let clock = try? r.readLE32(), let rate = try? r.readLE32() else { throw .badParameter(header, offset: 1) }
            self = .setDataRateAndClockFrequency(dwClockFrequency: clock, dwDataRate: rate)
        default:
            throw .unknownMessageType(header)
        }
    }
}
