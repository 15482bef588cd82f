/// The error code in the low nibble of an R-block's PCB (ISO/IEC 7816-3 §11.3.2.2).
public enum T1ReceiveError: UInt8, Hashable, Sendable, CaseIterable {
    /// 0: error-free — an acknowledgement (in a chain) or a request for the next block.
    case none = 0x00
    /// 1: EDC and/or parity error — a negative acknowledgement.
    case edcError = 0x01
    /// 2: other errors (bad PCB, bad length, wrong sequence) — a negative acknowledgement.
    case otherError = 0x02
}
