/// How a connection shares the card with other applications (SCARD_SHARE_*).
public enum PCSCShareMode: UInt, Sendable {
    /// SCARD_SHARE_EXCLUSIVE: no other application may connect to the card.
    case exclusive = 0x0001
    /// SCARD_SHARE_SHARED: other applications may connect too; use transactions for sequences.
    case shared = 0x0002
    /// SCARD_SHARE_DIRECT: a connection to the reader itself, also without a card (for
    /// SCardControl and attributes); no protocol is negotiated.
    case direct = 0x0003
}
