/// The token's screen and its two buttons, OK and Cancel.
///
/// The firmware only draws; button presses and the clock reach the card OS as events
/// (``CardOS/press(_:)``, ``CardOS/poll()``), so waiting for the holder never blocks.
public protocol UserPresence: AnyObject {
    /// Shows one page of the screen.
    func show(_ screen: Screen)
    /// Blanks the screen once the confirmation ended.
    func clear()
    /// Tells the platform what happened (for its event log and test hooks; never secrets).
    func notify(_ event: TokenEvent)
    /// How long the holder has to decide, in milliseconds.
    var confirmationTimeout: UInt64 { get }
}

/// A button on the token.
public enum Button: Sendable, Hashable {
    case ok
    case cancel
}

/// What a token reports to its platform while it works.
public enum TokenEvent: Sendable, Hashable {
    /// A page is on the screen, waiting for the holder.
    case waiting(page: Int, of: Int)
    /// The holder approved and the card signed with counter value `counter`.
    case signed(counter: UInt32)
    /// The holder pressed Cancel.
    case denied
    /// The holder did not decide in time.
    case timedOut
    /// The host aborted the command, or power went away, while the holder was deciding.
    case aborted
    /// A wrong PIN used the last try.
    case pinBlocked
    /// The holder had an OATH account's code shown on the screen (the account's name only; the
    /// code is on the screen).
    case otp(account: String)
    /// The token waits for a PIN on its keypad: how many digits are typed (never the digits).
    case pinEntry(digits: Int)
}
