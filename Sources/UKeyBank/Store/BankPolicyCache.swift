import Synchronization

/// The policy a verifier last read from its store, with the store's policy version it had then.
/// Every operation reads the store's version inside its own transaction (one row by primary key)
/// and decodes the policy again only when the version moved, so each challenge and verification
/// is decided under the policy in force at its transaction — also one that another bank server
/// set meanwhile (`ukey-bank policy set`), without a restart.
public final class BankPolicyCache: Sendable {
    /// A version no store has: the first operation reads the policy.
    public static let unknown: Int64 = -1

    private let state: Mutex<Snapshot>

    /// A policy and the store's policy version it is.
    public struct Snapshot: Sendable {
        public var version: Int64
        public var policy: BankPolicy
    }

    public init(_ policy: BankPolicy, version: Int64 = BankPolicyCache.unknown) {
        state = Mutex(Snapshot(version: version, policy: policy))
    }

    /// The policy last read.
    public var policy: BankPolicy { state.withLock { $0.policy } }

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Keeps `policy` as the store's version `version`, unless a newer version is already known
    /// (a transaction that began earlier may read an older one).
    public func update(version: Int64, policy: BankPolicy) {
        state.withLock { if version >= $0.version { $0 = Snapshot(version: version, policy: policy) } }
    }
}
