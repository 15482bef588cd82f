/// A monotonic clock; the card OS reads it to time out the holder's confirmation.
/// (Not called `Clock`, which would shadow Swift's own protocol of that name.)
public protocol TokenClock: AnyObject {
    /// Milliseconds since an arbitrary start; never goes backwards.
    var milliseconds: UInt64 { get }
}
