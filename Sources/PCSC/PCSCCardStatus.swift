/// What SCardStatus reports about a connection: the reader, the card's state and protocol, and
/// the ATR.
public struct PCSCCardStatus: Hashable, Sendable {
    /// The reader's names (pcsc-lite gives one).
    public var readerNames: [String]
    /// The card's state.
    public var state: PCSCCardState
    /// The protocol in use.
    public var activeProtocol: PCSCProtocol
    /// The card's answer to reset.
    public var atr: [UInt8]

    public init(readerNames: [String], state: PCSCCardState, activeProtocol: PCSCProtocol, atr: [UInt8]) {
        self.readerNames = readerNames
        self.state = state
        self.activeProtocol = activeProtocol
        self.atr = atr
    }
}
