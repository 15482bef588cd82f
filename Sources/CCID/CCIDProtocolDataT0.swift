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
