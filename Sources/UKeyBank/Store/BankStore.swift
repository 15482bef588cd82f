import UKey
import Foundation

/// Where a bank keeps its memory: issued challenges, each token's last counter and suspension,
/// each holder's daily totals, the history of accepted transfers and the policy. Two engines
/// implement it with the same SQL (``SQLBankStore``): SQLite in the bank directory
/// (`bank.sqlite`, the default) and PostgreSQL for several bank servers (`UKeyBankPostgres`).
///
/// Every call is one transaction; a transaction the engine aborts for a conflict (SQLite busy,
/// PostgreSQL serialization failure or deadlock) is run again, never reported.
public protocol BankStore: Sendable {
    /// In one transaction: reads the policy in force (`policy` keeps the last one read, see
    /// ``BankPolicyCache``), has `make` build the challenge under it (`make` throws for a transfer
    /// the policy refuses), records it (forgotten the policy's retention after it expires) and
    /// purges one batch of forgotten ones; throws ``BankError/tokenSuspended(serial:)`` when it
    /// names a suspended token. `make` may run again when the transaction is retried.
    func issue(at now: Date, policy: BankPolicyCache,
               _ make: (BankPolicy) throws(BankError) -> IssuedChallenge) throws(BankError) -> IssuedChallenge
    /// The stateful checks of one signed transfer whose certificate and signature verified, in one
    /// transaction: with `commit`, a live challenge is used up by a conditional update (exactly
    /// once, whatever runs at the same time), an acceptance raises the token's counter by a
    /// conditional update and the holder's daily total after checking it, and a regressed counter
    /// suspends the token; without, nothing is written (a dry run).
    /// The policy is the one in force at this transaction: its version is read in it and `policy`
    /// reloaded when it moved.
    func verify(_ signed: SignedTransfer, certificateSubject: String, at now: Date, policy: BankPolicyCache,
                commit: Bool) throws(BankError) -> TransferVerdict
    /// Lifts a suspension; whether there was one.
    func unsuspend(serial: [UInt8]) throws(BankError) -> Bool
    func isSuspended(serial: [UInt8]) throws(BankError) -> Bool
    /// What the bank knows of a token on the UTC day of `now`, `nil` for a token it never saw.
    func tokenStatus(serial: [UInt8], at now: Date) throws(BankError) -> BankTokenStatus?
    /// The policy in the store, `nil` before one was set.
    func policy() throws(BankError) -> BankPolicy?
    /// Puts `policy` in the store; `source` is the policy.json text it came from, if any
    /// (``policySource()`` returns it, so a directory's policy.json seeds the store once per change).
    /// Raises the policy's version in the same transaction and returns the new one.
    @discardableResult
    func setPolicy(_ policy: BankPolicy, source: String?) throws(BankError) -> Int64
    func policySource() throws(BankError) -> String?
    /// Deletes up to `batch` challenges past their retention, oldest first, through the index on
    /// their forget time; returns how many.
    func purgeChallenges(at now: Date, batch: Int) throws(BankError) -> Int
    /// Imports an old `state.json` (its bytes; `policy` gives the retention of its challenges and
    /// converts a version 1 file's totals); `false` when the store already imported one.
    func importState(json: Data, policy: BankPolicy) throws(BankError) -> Bool
}

/// What the bank knows of one token (`GET /v1/tokens/{serial}`): its last accepted counter,
/// whether it is suspended, and the daily totals so far of the holder `token:SERIAL`.
public struct BankTokenStatus: Codable, Hashable, Sendable {
    /// The serial in upper-case hex.
    public var serial: String
    /// The last counter the bank accepted from it; `nil` before the first acceptance.
    public var lastCounter: UInt32?
    public var suspended: Bool
    /// The UTC day the totals are for, `2026-11-23`.
    public var day: String
    /// Accepted today by currency, in that currency (transfers whose challenge named no account holder).
    public var acceptedToday: [String: DecimalAmount]
    /// Accepted today in all currencies, converted to the base currency.
    public var overallToday: DecimalAmount

    public init(serial: String, lastCounter: UInt32?, suspended: Bool, day: String,
                acceptedToday: [String: DecimalAmount], overallToday: DecimalAmount) {
        self.serial = serial
        self.lastCounter = lastCounter
        self.suspended = suspended
        self.day = day
        self.acceptedToday = acceptedToday
        self.overallToday = overallToday
    }
}
