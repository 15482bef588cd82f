/// bStatus of every RDR_to_PC bulk message (CCID rev 1.1 §6.2.6, Table 6.2-3):
///
///     bits 0–1  bmICCStatus      0 present and active, 1 present and inactive, 2 absent
///     bits 2–5  bmRFU
///     bits 6–7  bmCommandStatus  0 processed without error, 1 failed (bError says why),
///                                2 time extension requested (bError is the BWT multiplier)
///
/// The value 3 of either field is reserved and rejected when parsing; the RFU bits are ignored.
public struct CCIDSlotStatus: Hashable, Sendable {
    /// bmICCStatus.
    public enum ICCStatus: UInt8, Hashable, Sendable, CaseIterable {
        case presentActive = 0
        case presentInactive = 1
        case absent = 2
    }

    /// bmCommandStatus.
    public enum CommandStatus: UInt8, Hashable, Sendable, CaseIterable {
        case processedWithoutError = 0
        case failed = 1
        case timeExtension = 2
    }

    public var bmICCStatus: ICCStatus
    public var bmCommandStatus: CommandStatus

    public init(_ bmICCStatus: ICCStatus, _ bmCommandStatus: CommandStatus = .processedWithoutError) {
        self.bmICCStatus = bmICCStatus
        self.bmCommandStatus = bmCommandStatus
    }

    /// Decodes bStatus; `nil` if either field holds the reserved value 3.
    public init?(bStatus: UInt8) {
        guard let icc = ICCStatus(rawValue: bStatus & 0x03),
              let command = CommandStatus(rawValue: bStatus >> 6) else { return nil }
        self.init(icc, command)
    }

    /// The encoded bStatus byte.
    public var bStatus: UInt8 { bmCommandStatus.rawValue << 6 | bmICCStatus.rawValue }
}
