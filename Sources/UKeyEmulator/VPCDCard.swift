/// A card as the vpcd link sees it: what ``VPCDLink`` calls for each frame from vsmartcard vpcd.
///
/// The link calls these methods from its own thread, one at a time. ``transmit(_:reply:)`` does
/// not have to answer before it returns: a command that waits for the holder (CONFIRM TRANSFER)
/// answers when the holder decides, from whatever thread decides it, so an implementation can
/// run the APDU on its own reactor.
public protocol VPCDCard: AnyObject, Sendable {
    /// The answer-to-reset sent for vpcd's GET ATR control frame (`VPCD_CTRL_ATR`).
    var atr: [UInt8] { get }
    /// vpcd switched the card off (`VPCD_CTRL_OFF`), or the link to vpcd was lost: end any
    /// waiting command and clear the volatile state.
    func powerOff()
    /// vpcd switched the card on (`VPCD_CTRL_ON`).
    func powerOn()
    /// vpcd reset the card (`VPCD_CTRL_RESET`): end any waiting command, clear the volatile state.
    func reset()
    /// Runs one command APDU and answers with response data + SW1 SW2 through `reply`.
    ///
    /// Call `reply` exactly once, now or later (the holder may take a minute to press OK). When
    /// ``powerOff()`` or ``reset()`` ends the command first, no reply is expected any more; a
    /// late one is ignored.
    func transmit(_ apdu: [UInt8], reply: @escaping @Sendable ([UInt8]) -> Void)
}
