import CCID

/// The PC_to_RDR_XfrBlock the slot is still working on while the card waits for the holder
/// (CCID rev 1.1 §6.2.6: the reader keeps the host waiting with time-extension replies).
struct OpenCommand {
    /// The command's header: its reply (final, failure or time extension) repeats bSlot and bSeq.
    let header: CCIDHeader
    /// When the next time-extension reply (bStatus 0x80) is due, platform clock milliseconds.
    var nextTimeExtension: UInt64
    /// TPDU level: when the T=1 waiting time the host granted runs out, so the card asks for
    /// more with S(WTX request) (ISO/IEC 7816-3 §11.6.2.3 rule 3).
    var wtxDeadline: UInt64?
}
