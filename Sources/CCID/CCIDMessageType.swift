/// bMessageType, the first byte of every CCID message (CCID rev 1.1 §6.1, §6.2, §6.3).
///
/// Cases are the spec's message names without their direction prefix; `direction` tells
/// `PC_to_RDR_…` (bulk OUT) from `RDR_to_PC_…` (bulk IN or interrupt IN).
public enum CCIDMessageType: UInt8, Hashable, Sendable, CaseIterable {
    // PC_to_RDR (bulk OUT), §6.1
    case iccPowerOn = 0x62                   // PC_to_RDR_IccPowerOn
    case iccPowerOff = 0x63                  // PC_to_RDR_IccPowerOff
    case getSlotStatus = 0x65                // PC_to_RDR_GetSlotStatus
    case xfrBlock = 0x6F                     // PC_to_RDR_XfrBlock
    case getParameters = 0x6C                // PC_to_RDR_GetParameters
    case resetParameters = 0x6D              // PC_to_RDR_ResetParameters
    case setParameters = 0x61                // PC_to_RDR_SetParameters
    case escape = 0x6B                       // PC_to_RDR_Escape
    case iccClock = 0x6E                     // PC_to_RDR_IccClock
    case t0APDU = 0x6A                       // PC_to_RDR_T0APDU
    case secure = 0x69                       // PC_to_RDR_Secure
    case mechanical = 0x71                   // PC_to_RDR_Mechanical
    case abort = 0x72                        // PC_to_RDR_Abort
    case setDataRateAndClockFrequency = 0x73 // PC_to_RDR_SetDataRateAndClockFrequency
    // RDR_to_PC (bulk IN), §6.2
    case dataBlock = 0x80                    // RDR_to_PC_DataBlock
    case slotStatus = 0x81                   // RDR_to_PC_SlotStatus
    case parameters = 0x82                   // RDR_to_PC_Parameters
    case escapeResponse = 0x83               // RDR_to_PC_Escape
    case dataRateAndClockFrequency = 0x84    // RDR_to_PC_DataRateAndClockFrequency
    // RDR_to_PC (interrupt IN), §6.3
    case notifySlotChange = 0x50             // RDR_to_PC_NotifySlotChange
    case hardwareError = 0x51                // RDR_to_PC_HardwareError

    /// Which pipe and direction carry the message.
    public enum Direction: Hashable, Sendable {
        case pcToRDR, rdrToPCBulk, rdrToPCInterrupt
    }

    public var direction: Direction {
        switch rawValue {
        case 0x50, 0x51: return .rdrToPCInterrupt
        case 0x80...0x84: return .rdrToPCBulk
        default: return .pcToRDR
        }
    }

    /// The RDR_to_PC message that answers this PC_to_RDR command (§6.1 "Response" of each
    /// command); `nil` for RDR_to_PC types.
    public var responseType: CCIDMessageType? {
        switch self {
        case .iccPowerOn, .xfrBlock, .secure: return .dataBlock
        case .iccPowerOff, .getSlotStatus, .iccClock, .t0APDU, .mechanical, .abort: return .slotStatus
        case .getParameters, .resetParameters, .setParameters: return .parameters
        case .escape: return .escapeResponse
        case .setDataRateAndClockFrequency: return .dataRateAndClockFrequency
        default: return nil
        }
    }
}
