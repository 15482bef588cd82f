/// Small enumerated fields of CCID messages (CCID rev 1.1 §6.1, §6.2). Parsing rejects the
/// values the spec does not define, with the field's offset as the error.

/// bPowerSelect of PC_to_RDR_IccPowerOn (offset 7): the voltage to apply.
public enum CCIDPowerSelect: UInt8, Hashable, Sendable, CaseIterable {
    case automatic = 0x00
    case volts5_0 = 0x01
    case volts3_0 = 0x02
    case volts1_8 = 0x03
}

/// bClockCommand of PC_to_RDR_IccClock (offset 7).
public enum CCIDClockCommand: UInt8, Hashable, Sendable, CaseIterable {
    case restart = 0x00
    case stop = 0x01
}

/// bClockStatus of RDR_to_PC_SlotStatus (offset 9).
public enum CCIDClockStatus: UInt8, Hashable, Sendable, CaseIterable {
    case running = 0x00
    case stoppedLow = 0x01
    case stoppedHigh = 0x02
    case stoppedUnknown = 0x03
}

/// bFunction of PC_to_RDR_Mechanical (offset 7).
public enum CCIDMechanicalFunction: UInt8, Hashable, Sendable, CaseIterable {
    case acceptCard = 0x01
    case ejectCard = 0x02
    case captureCard = 0x03
    case lockCard = 0x04
    case unlockCard = 0x05
}

/// bChainParameter of RDR_to_PC_DataBlock (offset 9) and, as wLevelParameter, of
/// PC_to_RDR_XfrBlock at extended APDU level (§6.1.4, §6.2.1).
public enum CCIDChainParameter: UInt8, Hashable, Sendable, CaseIterable {
    /// The response APDU begins and ends in this message.
    case beginsAndEnds = 0x00
    /// The response APDU begins here and continues in the next message.
    case begins = 0x01
    /// This abData ends the response APDU.
    case ends = 0x02
    /// This abData continues the response APDU, which does not end here.
    case continues = 0x03
    /// Empty abData: the host asks for (or the reader sends) the next part.
    case continueNext = 0x10
}
