import ISO7816

/// An application on the card, selected by its AID (ISO/IEC 7816-4 §12.2.2).
///
/// The card OS owns the APDU transport rules (chaining, GET RESPONSE, Ne, CLA); an applet sees
/// one complete command at a time and answers with data or a status word. Errors are status
/// words: `throws(StatusWord)`.
public protocol Applet: AnyObject {
    /// The applet's full AID; SELECT with this AID or a right-truncated prefix of it selects it.
    var aid: [UInt8] { get }

    /// The applet becomes the selected one (also on re-SELECT). Returns the FCI that SELECT
    /// answers when P2 asks for one. Throwing leaves the previous selection in place.
    func select() throws(StatusWord) -> [UInt8]

    /// Processes one complete command (chained parts already joined, CLA's chaining bit cleared).
    func process(_ command: CommandAPDU) throws(StatusWord) -> AppletReply

    /// Processes one complete command and says where it came from: the host over USB, or the
    /// token's own keypad (a VERIFY or CHANGE REFERENCE DATA the device built itself from the
    /// digits the holder typed). The default ignores the origin.
    func process(_ command: CommandAPDU, origin: CommandOrigin) throws(StatusWord) -> AppletReply

    /// Ends a command that answered ``AppletReply/confirm(_:)``: the holder decided, the time ran
    /// out, or the host aborted. The returned data completes the command with 9000.
    func complete(_ decision: HolderDecision) throws(StatusWord) -> [UInt8]

    /// Power-off, reset or removal: forget all volatile security state.
    func reset()

    /// An instruction (CLA 00) that the applet's clients send instead of GET RESPONSE for the
    /// rest of a response announced with 61xx (YKOATH's SEND REMAINING, A5); `nil` for none.
    var sendRemainingInstruction: UInt8? { get }

    /// Whether `00 A4` commands with a P1 other than 04 (select by AID) reach the applet:
    /// YKOATH's CALCULATE ALL is `00 A4 00 P2`. Otherwise the card OS answers them 6A86.
    var takesA4WithoutSelectP1: Bool { get }
}

extension Applet {
    public var sendRemainingInstruction: UInt8? { nil }
    public var takesA4WithoutSelectP1: Bool { false }
}

extension Applet {
    public func process(_ command: CommandAPDU, origin: CommandOrigin) throws(StatusWord) -> AppletReply {
        try process(command)
    }
}

/// Where a command APDU came from, as the card OS knows it inside the token's own boundary.
public enum CommandOrigin: Sendable, Hashable {
    /// The host, through the USB interface (XfrBlock): any software on the computer.
    case host
    /// The token's keypad: the device built the APDU from the digits typed on it
    /// (PC_to_RDR_Secure); the PIN never crossed USB.
    case keypad
}

/// What an applet answers to a command.
public enum AppletReply: Sendable, Equatable {
    /// Response data; the card OS appends 9000 (or 61xx when it does not fit Ne).
    case data([UInt8])
    /// The holder must confirm on the token: show these pages and call back
    /// ``Applet/complete(_:)`` with the decision.
    case confirm([Screen])
}

/// How a confirmation ended.
public enum HolderDecision: Sendable, Equatable {
    /// OK pressed on the last page.
    case approved
    /// Cancel pressed.
    case denied
    /// The platform's confirmation timeout passed.
    case timedOut
    /// The host aborted the command, or the card was reset or powered off.
    case aborted
}
