import Foundation
import ISO7816

/// One row of `otp_credentials`: the parameters, the sealed secret and the moving state.
public struct OTPStoredCredential: Sendable, Hashable {
    public var holder: String
    public var name: String
    public var kind: OTPKind
    public var algorithm: OTPAlgorithm
    public var digits: Int
    public var period: Int
    /// nonce ‖ ciphertext ‖ tag (``OTPSealingKey``); never the secret.
    public var sealedSecret: [UInt8]
    /// HOTP: the counter of the next code expected.
    public var counter: UInt64
    /// TOTP: the last time step accepted, -1 before the first.
    public var lastStep: Int64
    /// Consecutive failures since the last acceptance or unlock.
    public var failures: Int
}

/// What a verification writes back: the new moving state with the verdict.
public struct OTPDecision: Sendable {
    public var verdict: OTPVerdict
    public var counter: UInt64
    public var lastStep: Int64
    public var failures: Int
}

extension SQLBankStore {
    /// Stores a new credential; `false` when the holder has one of that name and `replace` is off.
    public func enrollOTP(_ credential: OTPStoredCredential, replace: Bool, at now: Date) throws(BankError) -> Bool {
        try transaction(write: true) { (c) throws(SQLFailure) -> Bool in
            let exists = try c.value("SELECT 1 FROM otp_credentials WHERE holder = $1 AND name = $2",
                                     [.text(credential.holder), .text(credential.name)]) != nil
            if exists {
                guard replace else { return false }
                try c.execute("DELETE FROM otp_credentials WHERE holder = $1 AND name = $2", [.text(credential.holder), .text(credential.name)])
            }
            try c.execute("""
                INSERT INTO otp_credentials (holder, name, kind, algorithm, digits, period, sealed_secret, counter, last_step, failures, enrolled_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10)
                """,
                [.text(credential.holder), .text(credential.name), .text(credential.kind.rawValue), .text(credential.algorithm.rawValue),
                 .integer(Int64(credential.digits)), .integer(Int64(credential.period)), .text(credential.sealedSecret.hexString),
                 .integer(Int64(credential.counter)), .integer(credential.lastStep), .integer(Int64(now.timeIntervalSince1970.rounded(.down)))])
            return true
        }
    }

    /// Reads the credential, lets `decide` judge the code, and writes the new state by a conditional
    /// update on the old one, in one transaction (a concurrent verification that changed the row
    /// makes this one run again and see it, so a code is accepted once). `nil`: no such credential.
    public func verifyOTP(holder: String, name: String,
                          _ decide: (OTPStoredCredential) -> OTPDecision) throws(BankError) -> OTPVerdict? {
        try transaction(write: true) { (c) throws(SQLFailure) -> OTPVerdict? in
            guard let row = try c.query("""
                SELECT kind, algorithm, digits, period, sealed_secret, counter, last_step, failures
                FROM otp_credentials WHERE holder = $1 AND name = $2
                """, [.text(holder), .text(name)]).first
            else { return nil }
            guard let kind = row[0].text.flatMap(OTPKind.init(rawValue:)), let algorithm = row[1].text.flatMap(OTPAlgorithm.init(rawValue:)),
                  let sealed = row[4].text.flatMap({ [UInt8](hex: $0) })
            else { throw .failed("a stored OTP credential does not decode") }
            let stored = OTPStoredCredential(holder: holder, name: name, kind: kind, algorithm: algorithm,
                                             digits: Int(row[2].integer ?? 6), period: Int(row[3].integer ?? 30), sealedSecret: sealed,
                                             counter: UInt64(max(0, row[5].integer ?? 0)), lastStep: row[6].integer ?? -1,
                                             failures: Int(row[7].integer ?? 0))
            let decision = decide(stored)
            if decision.counter == stored.counter, decision.lastStep == stored.lastStep, decision.failures == stored.failures {
                return decision.verdict
            }
            guard try c.execute("""
                UPDATE otp_credentials SET counter = $3, last_step = $4, failures = $5
                WHERE holder = $1 AND name = $2 AND counter = $6 AND last_step = $7 AND failures = $8
                """,
                [.text(holder), .text(name), .integer(Int64(decision.counter)), .integer(decision.lastStep), .integer(Int64(decision.failures)),
                 .integer(Int64(stored.counter)), .integer(stored.lastStep), .integer(Int64(stored.failures))]) == 1
            else { throw .retry("the OTP credential changed meanwhile") }
            return decision.verdict
        }
    }

    /// Clears a credential's failures (ends a lock-out); whether the credential exists.
    public func unlockOTP(holder: String, name: String) throws(BankError) -> Bool {
        try transaction(write: true) { (c) throws(SQLFailure) -> Bool in
            try c.execute("UPDATE otp_credentials SET failures = 0 WHERE holder = $1 AND name = $2", [.text(holder), .text(name)]) == 1
        }
    }
}
