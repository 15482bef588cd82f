import CardOS
import Synchronization

/// A clock that only moves when a test advances it, so timeouts are tested without waiting.
///
/// `Sendable`: the time sits in a `Mutex`.
public final class ManualClock: TokenClock, Sendable {
    private let now: Mutex<UInt64>

    /// A clock reading `milliseconds` until advanced.
    public init(milliseconds: UInt64 = 0) {
        now = Mutex(milliseconds)
    }

    public var milliseconds: UInt64 { now.withLock { $0 } }

    /// Moves the clock forward (it never goes back).
    public func advance(by milliseconds: UInt64) {
        now.withLock { $0 += milliseconds }
    }
}
