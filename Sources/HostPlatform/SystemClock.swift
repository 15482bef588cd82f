import CardOS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The host's monotonic clock in milliseconds. The corresponding C call is
/// `clock_gettime(CLOCK_MONOTONIC)`.
public final class SystemClock: TokenClock, Sendable {
    public init() {}

    public var milliseconds: UInt64 {
        var now = timespec()
        let result = clock_gettime(CLOCK_MONOTONIC, &now)
        precondition(result == 0, "CLOCK_MONOTONIC is always available")
        return UInt64(now.tv_sec) * 1_000 + UInt64(now.tv_nsec) / 1_000_000
    }
}
