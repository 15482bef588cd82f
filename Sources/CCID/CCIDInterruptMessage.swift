/// The RDR_to_PC messages of the interrupt-IN pipe (CCID rev 1.1 §6.3). They have no
/// 10-byte header; their size is the transfer's:
///
///     RDR_to_PC_NotifySlotChange  50 bmSlotICCState[⌈(bMaxSlotIndex + 1) × 2 / 8⌉]
///     RDR_to_PC_HardwareError     51 bSlot bSeq bHardwareErrorCode
public enum CCIDInterruptMessage: Hashable, Sendable {
    /// RDR_to_PC_NotifySlotChange (50).
    case notifySlotChange(CCIDSlotChange)
    /// RDR_to_PC_HardwareError (51): bHardwareErrorCode 01 is overcurrent.
    case hardwareError(bSlot: UInt8, bSeq: UInt8, bHardwareErrorCode: UInt8)

    /// bHardwareErrorCode for an overcurrent.
    public static let overcurrent: UInt8 = 0x01

    /// Parses one interrupt transfer.
    public init(parsing bytes: some Collection<UInt8>) throws(CCIDError) {
        let b = Array(bytes)
        guard let type = b.first else { throw .badInterruptMessage(bMessageType: 0, count: 0) }
        switch type {
        case CCIDMessageType.notifySlotChange.rawValue:
            // 1…256 slots: 1…64 bytes of bit pairs.
            guard (2...65).contains(b.count) else { throw .badInterruptMessage(bMessageType: type, count: b.count) }
            self = .notifySlotChange(CCIDSlotChange(bmSlotICCState: Array(b[1...])))
        case CCIDMessageType.hardwareError.rawValue:
            guard b.count == 4 else { throw .badInterruptMessage(bMessageType: type, count: b.count) }
            self = .hardwareError(bSlot: b[1], bSeq: b[2], bHardwareErrorCode: b[3])
        default:
            throw .badInterruptMessage(bMessageType: type, count: b.count)
        }
    }

    public var bytes: [UInt8] {
        switch self {
        case .notifySlotChange(let change):
            return [CCIDMessageType.notifySlotChange.rawValue] + change.bmSlotICCState
        case .hardwareError(let slot, let seq, let code):
            return [CCIDMessageType.hardwareError.rawValue, slot, seq, code]
        }
    }
}
