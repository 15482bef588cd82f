/// The T=1 protocol data structure (CCID rev 1.1 Table 6.1-2), 7 bytes at offset 10:
///
///     bmFindexDindex       Fi (high nibble) and Di (low nibble) indices, ISO 7816-3 TA1
///     bmTCCKST1            0x10 | convention (bit 1) | checksum (bit 0: 0 LRC, 1 CRC)
///     bGuardTimeT1         extra guard time (TC1)
///     bmWaitingIntegersT1  BWI (high nibble) and CWI (low nibble)
///     bClockStop           0 not allowed, 1 low, 2 high, 3 either
///     bIFSC                the card's information field size
///     bNadValue            the NAD to use (0 by default)
public struct CCIDProtocolDataT1: Hashable, Sendable {
    public static let count = 7

    public var bmFindexDindex: UInt8
    public var bmTCCKST1: UInt8
    public var bGuardTimeT1: UInt8
    public var bmWaitingIntegersT1: UInt8
    public var bClockStop: UInt8
    public var bIFSC: UInt8
    public var bNadValue: UInt8

    /// The defaults are ISO 7816-3's T=1 defaults: Fi 372 / Di 1, LRC, direct convention,
    /// BWI 4 / CWI 13, IFSC 32.
    public init(bmFindexDindex: UInt8 = 0x11, bmTCCKST1: UInt8 = 0x10, bGuardTimeT1: UInt8 = 0x00,
                bmWaitingIntegersT1: UInt8 = 0x4D, bClockStop: UInt8 = 0x00, bIFSC: UInt8 = 0x20,
                bNadValue: UInt8 = 0x00) {
        self.bmFindexDindex = bmFindexDindex
        self.bmTCCKST1 = bmTCCKST1
        self.bGuardTimeT1 = bGuardTimeT1
        self.bmWaitingIntegersT1 = bmWaitingIntegersT1
        self.bClockStop = bClockStop
        self.bIFSC = bIFSC
        self.bNadValue = bNadValue
    }

    /// From exactly `count` bytes (the caller checked the length).
    init(_ b: [UInt8]) {
        self.init(bmFindexDindex: b[0], bmTCCKST1: b[1], bGuardTimeT1: b[2], bmWaitingIntegersT1: b[3],
                  bClockStop: b[4], bIFSC: b[5], bNadValue: b[6])
    }

    /// BWI, the block waiting time integer (high nibble of bmWaitingIntegersT1).
    public var bwi: UInt8 { bmWaitingIntegersT1 >> 4 }
    /// CWI, the character waiting time integer (low nibble).
    public var cwi: UInt8 { bmWaitingIntegersT1 & 0x0F }
    /// Whether the epilogue is a CRC (bit 0 of bmTCCKST1) rather than an LRC.
    public var usesCRC: Bool { bmTCCKST1 & 0x01 != 0 }

    public var bytes: [UInt8] {
        [bmFindexDindex, bmTCCKST1, bGuardTimeT1, bmWaitingIntegersT1, bClockStop, bIFSC, bNadValue]
    }
}
