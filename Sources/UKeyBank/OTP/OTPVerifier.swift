import Foundation
import Synchronization

/// The bank's check of dynamic passwords from a holder's OATH credential (ARCHITECTURE.md,
/// "OTP verification"), over the same ``SQLBankStore`` as transfers.
///
/// - TOTP (RFC 6238): the code of the current time step or one step either side, and only of a
///   step after the last one accepted (stored), so each code is accepted once
///   (``OTPRejection/codeReused``).
/// - HOTP (RFC 4226): the counters from the expected one up to ``hotpLookAhead`` ahead; a match
///   moves the expected counter past it (resynchronisation).
/// - ``maxFailures`` consecutive failures lock the credential (``OTPRejection/lockedOut``, the
///   code is not even computed) until ``unlock(holder:name:)``; an acceptance resets the count.
///
/// Each verification is one store transaction: read, decide, conditional update of the moving
/// state. Codes are compared in constant time. The secret is sealed with ``OTPSealingKey`` in the
/// store and opened only in memory for the HMAC.
public final class OTPVerifier: Sendable {
    public static let hotpLookAhead: UInt64 = 10
    public static let totpWindow: Int64 = 1
    public static let maxFailures = 5

    public let store: SQLBankStore
    private let directory: URL
    private let now: @Sendable () -> Date
    private let key = Mutex<OTPSealingKey?>(nil)
    private let environment: [String: String]

    /// A verifier on `store`; the sealing key is read (or made) on first use from `directory`
    /// (or the environment's ``OTPSealingKey/environmentVariable``).
    public init(directory: URL, store: SQLBankStore, environment: [String: String] = ProcessInfo.processInfo.environment,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.directory = directory
        self.store = store
        self.environment = environment
        self.now = now
    }

    /// The verifier of a ``TransferVerifier``'s bank: its directory and its store.
    public convenience init(_ verifier: TransferVerifier, now: @escaping @Sendable () -> Date = { Date() }) throws(BankError) {
        guard let store = verifier.store as? SQLBankStore else { throw .database("the bank's store does not keep OTP credentials") }
        self.init(directory: verifier.directory.url, store: store, now: now)
    }

    private func sealingKey() throws(BankError) -> OTPSealingKey {
        if let loaded = key.withLock({ $0 }) { return loaded }
        let loaded = try OTPSealingKey.load(directory: directory, environment: environment)
        key.withLock { $0 = loaded }
        return loaded
    }

    /// Enrolls a credential (the secret sealed before it reaches the store); `false` when the holder
    /// already has one of that name and `replace` is off.
    public func enroll(_ enrollment: OTPEnrollment, replace: Bool = false) throws(BankError) -> Bool {
        do throws(OTPInputError) { try enrollment.validate() } catch { throw .invalidOTPCredential(field: error.field, reason: error.description) }
        let sealed = try sealingKey().seal(enrollment.secret,
                                           associated: OTPSealingKey.associatedData(holder: enrollment.holder, name: enrollment.name))
        return try store.enrollOTP(OTPStoredCredential(holder: enrollment.holder, name: enrollment.name, kind: enrollment.kind,
                                                       algorithm: enrollment.algorithm, digits: enrollment.digits, period: enrollment.period,
                                                       sealedSecret: sealed, counter: enrollment.counter, lastStep: -1, failures: 0),
                                   replace: replace, at: now())
    }

    /// Whether `code` (the decimal digits the holder typed) is the holder's next valid password.
    public func verify(holder: String, name: String, code: String) throws(BankError) -> OTPVerdict {
        let key = try sealingKey()
        let typed = Array(code.utf8)
        let at = now().timeIntervalSince1970
        var unreadable = false
        let verdict = try store.verifyOTP(holder: holder, name: name) { stored in
            Self.decide(stored, typed: typed, at: at, key: key, unreadable: &unreadable)
        }
        if unreadable { throw .database("the OTP secret of \(holder)/\(name) does not open with this bank's OTP key") }
        return verdict ?? .rejected(.unknownCredential)
    }

    /// Ends a lock-out (and clears the failure count); whether the credential exists.
    public func unlock(holder: String, name: String) throws(BankError) -> Bool {
        try store.unlockOTP(holder: holder, name: name)
    }

    static func decide(_ stored: OTPStoredCredential, typed: [UInt8], at time: TimeInterval, key: OTPSealingKey,
                       unreadable: inout Bool) -> OTPDecision {
        var decision = OTPDecision(verdict: .rejected(.wrongCode), counter: stored.counter, lastStep: stored.lastStep,
                                   failures: stored.failures)
        if stored.failures >= maxFailures {
            decision.verdict = .rejected(.lockedOut)
            return decision
        }
        guard let secret = key.open(stored.sealedSecret, associated: OTPSealingKey.associatedData(holder: stored.holder, name: stored.name)) else {
            unreadable = true
            return decision
        }
        switch stored.kind {
        case .totp:
            let step = Int64((time / Double(stored.period)).rounded(.down))
            var matched: Int64?
            var reused = false
            for candidate in (step - totpWindow)...(step + totpWindow) where candidate >= 0 {
                let equal = OTPMath.constantTimeEqual(OTPMath.code(secret: secret, counter: UInt64(candidate), algorithm: stored.algorithm,
                                                                   digits: stored.digits), typed)
                if equal, candidate > stored.lastStep, matched == nil { matched = candidate }
                if equal, candidate <= stored.lastStep { reused = true }
            }
            if let matched {
                return OTPDecision(verdict: .accepted, counter: stored.counter, lastStep: matched, failures: 0)
            }
            if reused { decision.verdict = .rejected(.codeReused) }
        case .hotp:
            var matched: UInt64?
            for candidate in stored.counter..<(stored.counter + hotpLookAhead) {
                let equal = OTPMath.constantTimeEqual(OTPMath.code(secret: secret, counter: candidate, algorithm: stored.algorithm,
                                                                   digits: stored.digits), typed)
                if equal, matched == nil { matched = candidate }
            }
            if let matched {
                return OTPDecision(verdict: .accepted, counter: matched + 1, lastStep: stored.lastStep, failures: 0)
            }
        }
        decision.failures = stored.failures + 1
        return decision
    }
}

extension OTPVerifier {
    /// The RFC 4226 code of `counter` (for TOTP, the time step), as the token computes it.
    public static func code(secret: [UInt8], counter: UInt64, algorithm: OTPAlgorithm = .sha1, digits: Int = 6) -> String {
        String(decoding: OTPMath.code(secret: secret, counter: counter, algorithm: algorithm, digits: digits), as: UTF8.self)
    }
}
