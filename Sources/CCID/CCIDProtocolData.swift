/// abProtocolDataStructure of PC_to_RDR_SetParameters and RDR_to_PC_Parameters, chosen by
/// bProtocolNum (CCID rev 1.1 §6.1.7, Tables 6.1-1 and 6.1-2): 5 bytes for T=0, 7 for T=1.
public enum CCIDProtocolData: Hashable, Sendable {
    case t0(CCIDProtocolDataT0)
    case t1(CCIDProtocolDataT1)

    /// bProtocolNum: 0 for T=0, 1 for T=1.
    public var bProtocolNum: UInt8 {
        switch self {
        case .t0: return 0
        case .t1: return 1
        }
    }

    /// The encoded structure (without bProtocolNum, which lives in the header).
    public var bytes: [UInt8] {
        switch self {
        case .t0(let t0): return t0.bytes
        case .t1(let t1): return t1.bytes
        }
    }

    /// Parses the structure of `bProtocolNum` from the message's abData.
    /// - Throws: `badParameter` at `protocolOffset` (where bProtocolNum sits: 7 in
    ///   SetParameters, 9 in Parameters) for an unknown protocol, offset 1 for a wrong dwLength.
    init(bProtocolNum: UInt8, abData: [UInt8], header: CCIDHeader,
         protocolOffset: UInt8 = 7) throws(CCIDError) {
        switch bProtocolNum {
        case 0:
            guard abData.count == CCIDProtocolDataT0.count else { throw .badParameter(header, offset: 1) }
            self = .t0(CCIDProtocolDataT0(abData))
        case 1:
            guard abData.count == CCIDProtocolDataT1.count else { throw .badParameter(header, offset: 1) }
            self = .t1(CCIDProtocolDataT1(abData))
        default:
            throw .badParameter(header, offset: protocolOffset)
        }
    }
}

/// The T=0 protocol data structure (CCID rev 1.1 Table 6.1-1), 5 bytes at offset 10:
///
///     bmFindexDindex     Fi (high nibble) and Di (low nibble) indices, ISO 7816-3 TA1
///     bmTCCKST0          bit 1: convention (0 direct, 1 inverse); other bits 0
///     bGuardTimeT0       extra guard time (TC1)
///     bWaitingIntegerT0  WI (TC2)
///     bClockStop         0 not allowed, 1 low, 2 high, 3 either (TA of clock stop)
public struct CCIDProtocolDataT0: Hashable, Sendable {
    public static let count = 5

    public var bmFindexDindex: UInt8
    public var bmTCCKST0: UInt8
    public var bGuardTimeT0: UInt8
    public var bWaitingIntegerT0: UInt8
    public var bClockStop: UInt8

    /// The defaults are ISO 7816-3's: Fi 372 / Di 1 (0x11), direct convention, no extra guard
    /// time, WI 10, clock stop not allowed.
    public init(bmFindexDindex: UInt8 = 0x11, bmTCCKST0: UInt8 = 0x00, bGuardTimeT0: UInt8 = 0x00,
                bWaitingIntegerT0: UInt8 = 0x0A, bClockStop: UInt8 = 0x00) {
        self.bmFindexDindex = bmFindexDindex
        self.bmTCCKST0 = bmTCCKST0
        self.bGuardTimeT0 = bGuardTimeT0
        self.bWaitingIntegerT0 = bWaitingIntegerT0
        self.bClockStop = bClockStop
    }

    /// From exactly `count` bytes (the caller checked the length).
    init(_ b: [UInt8]) {
        self.init(bmFindexDindex: b[0], bmTCCKST0: b[1], bGuardTimeT0: b[2],
                  bWaitingIntegerT0: b[3], bClockStop: b[4])
    }

    public var bytes: [UInt8] { [bmFindexDindex, bmTCCKST0, bGuardTimeT0, bWaitingIntegerT0, bClockStop] }
}

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
