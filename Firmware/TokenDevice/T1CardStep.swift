import ISO7816

/// What the card's T=1 layer does with a block from the reader (``T1CardProtocol/receive(_:)``).
enum T1CardStep: Equatable {
    /// Send this block back.
    case reply(T1Block)
    /// A whole command APDU arrived (the last I-block of a chain): give it to the card.
    case command([UInt8])
    /// The reader granted more time (S(WTX response)) while the card works: send nothing yet.
    case keepWaiting
    /// The exchange was abandoned (S(RESYNCH) or S(ABORT) request): end the card's open
    /// command, if any, then send this block.
    case abandon(reply: T1Block)
}
