/// What happens to the card when a connection, a transaction or a reconnection ends
/// (SCARD_LEAVE_CARD, SCARD_RESET_CARD, SCARD_UNPOWER_CARD, SCARD_EJECT_CARD).
public enum PCSCDisposition: UInt, Sendable {
    /// SCARD_LEAVE_CARD: nothing; the card keeps its state (selected applet, verified PIN).
    case leave = 0x0000
    /// SCARD_RESET_CARD: a warm reset; the card forgets its session state.
    case reset = 0x0001
    /// SCARD_UNPOWER_CARD: power off (and on again at the next use).
    case unpower = 0x0002
    /// SCARD_EJECT_CARD: eject, for readers that can.
    case eject = 0x0003
}
