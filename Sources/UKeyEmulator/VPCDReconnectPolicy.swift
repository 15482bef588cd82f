/// How often the link tries to reach vpcd: the first retry after ``initialDelay``, each later one
/// after twice the previous delay, never more than ``maximumDelay``; a successful connection
/// starts over from ``initialDelay``.
public struct VPCDReconnectPolicy: Hashable, Sendable {
    /// 250 ms, doubling up to 2 s.
    public static let `default` = VPCDReconnectPolicy()

    /// Milliseconds before the first retry.
    public var initialDelay: Int
    /// The cap on the delay between retries, in milliseconds.
    public var maximumDelay: Int

    public init(initialDelay: Int = 250, maximumDelay: Int = 2_000) {
        precondition(initialDelay > 0 && maximumDelay >= initialDelay, "delays are positive and the cap is not below the first")
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// The delay after `delay`.
    func delay(after delay: Int) -> Int { min(delay * 2, maximumDelay) }
}
