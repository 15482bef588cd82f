/// One entry of SCardGetStatusChange's SCARD_READERSTATE array: a reader, the state the
/// application believes it is in, and (after the call) the state it is in and its card's ATR.
///
/// To wait for the next change, pass ``next`` back: its current state is this event state.
public struct PCSCReaderState: Hashable, Sendable {
    /// The PnP pseudo reader, `\\?PnP?\Notification`: it changes when a reader is added or
    /// removed.
    public static let plugAndPlayReader = "\\\\?PnP?\\Notification"

    /// The reader's name as SCardListReaders gives it.
    public var reader: String
    /// dwCurrentState: the state the application believes (low 16 bits).
    public var currentState: PCSCReaderStateFlags
    /// The high 16 bits of dwCurrentState: the event counter the application last saw (pcsc-lite
    /// reports a change when the reader's counter differs; 0 means "don't compare").
    public var currentEventCount: UInt16
    /// dwEventState: the state the resource manager reports (low 16 bits).
    public var eventState: PCSCReaderStateFlags
    /// The high 16 bits of dwEventState: the reader's event counter (for the PnP reader in
    /// newer pcsc-lite, the count of reader events).
    public var eventCount: UInt16
    /// rgbAtr[cbAtr]: the card's ATR when one is present.
    public var atr: [UInt8]

    /// A state to ask about `reader`, believed to be `currentState` (`.unaware` returns at once).
    public init(reader: String, currentState: PCSCReaderStateFlags = .unaware, currentEventCount: UInt16 = 0) {
        self.reader = reader
        self.currentState = currentState
        self.currentEventCount = currentEventCount
        self.eventState = []
        self.eventCount = 0
        self.atr = []
    }

    /// dwCurrentState as passed to C: the flags and the event counter.
    var cCurrentState: UInt { UInt(currentEventCount) << 16 | currentState.rawValue }

    /// Sets the event state from C's dwEventState.
    mutating func setEventState(_ dwEventState: UInt) {
        eventState = PCSCReaderStateFlags(rawValue: dwEventState)
        eventCount = UInt16(truncatingIfNeeded: dwEventState >> 16)
    }

    /// The same reader, believed to be in the state just reported (without `changed`), to wait
    /// for the next change.
    public var next: PCSCReaderState {
        PCSCReaderState(reader: reader, currentState: eventState.subtracting(.changed), currentEventCount: eventCount)
    }

    /// Whether the resource manager reports a change against ``currentState``.
    public var hasChanged: Bool { eventState.contains(.changed) }

    /// Whether a card is present (and the reader known).
    public var isCardPresent: Bool { eventState.contains(.present) && !eventState.contains(.unknown) }
}
