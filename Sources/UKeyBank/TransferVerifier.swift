import UKey
import COpenSSL
import Foundation

/// The bank's check of a ``SignedTransfer`` (ARCHITECTURE.md, "Bank side").
///
/// The bank first issues a challenge for the transfer it intends (``issueChallenge(for:tokenSerial:accountHolder:)``);
/// the client has the token confirm that transfer with that challenge and hands back the
/// signed result, which ``verify(_:)`` accepts or refuses with a specific ``TransferRejection``.
/// The checks, in order:
///
/// 1. the certificate chains to a CA in `ca-cert.pem` and is valid now (OpenSSL
///    `X509_verify_cert`): ``TransferRejection/untrustedCertificate(_:)``,
///    ``TransferRejection/certificateExpired``, ``TransferRejection/certificateNotYetValid``;
/// 2. the certificate was issued to the token that signed: its subject's `serialNumber`
///    attribute (OID 2.5.4.5) is the DTBS serial (tag 86) in hex — required;
///    ``TransferRejection/serialMismatch(certificate:signed:)``;
/// 3. the signature is RSA PKCS#1 v1.5 with SHA-256 over the DTBS by the certificate's key:
///    ``TransferRejection/badSignature``;
/// 4. the challenge is one this bank issued, unused and unexpired: ``TransferRejection/unknownChallenge``,
///    ``TransferRejection/challengeReused``, ``TransferRejection/challengeExpired``;
/// 5. the token is not suspended: ``TransferRejection/tokenSuspended(serial:)``; the challenge
///    was issued for this token, if the bank bound it to one: ``TransferRejection/wrongToken(expected:signed:)``;
/// 6. every field is the intended one, as exact text: ``TransferRejection/fieldsDiffer(_:)``;
/// 7. the counter is above the last one accepted from this token — else
///    ``TransferRejection/counterNotIncreasing(last:got:)`` (a late replay), or, when the
///    challenge was issued after that acceptance, ``TransferRejection/counterRegressed(last:got:)``
///    and the token is suspended — and at most ``BankPolicy/maxCounterStep`` above it:
///    ``TransferRejection/counterJumped(last:got:maxStep:)``;
/// 8. the ``BankPolicy``: the currency is listed, the amount has at most its minor digits, the
///    limits per transfer and per UTC day in the currency, and the overall daily limit in the
///    base currency (every currency converted, rounded up), compared as exact decimals:
///    ``TransferRejection/currencyNotAllowed(_:)``, ``TransferRejection/tooManyMinorDigits(amount:currency:minorDigits:)``,
///    ``TransferRejection/overTransferLimit(amount:limit:currency:)``,
///    ``TransferRejection/overDailyLimit(amount:acceptedToday:limit:currency:)``,
///    ``TransferRejection/overOverallDailyLimit(amount:currency:converted:acceptedToday:limit:baseCurrency:)``.
///
/// **When a challenge is used up.** Checks 1–3 need no state and change none: anyone can send
/// a bad signature or a foreign certificate with a challenge they saw on the wire, and that must
/// not burn the customer's challenge. Once the signature verifies, the token really signed with
/// this challenge, so from check 4 on the challenge is consumed whatever the verdict — a
/// refused transfer (fields, counter, limits) needs a new challenge for a new intention. Only an
/// acceptance raises the token's counter and the holder's daily totals; only a regressed counter
/// suspends the token, and only ``unsuspend(tokenSerial:)`` lifts that. Each verification runs
/// checks 4–8 and writes the result in one transaction of the ``BankStore`` (the challenge used
/// up by a conditional update), so processes, threads or bank servers racing with one challenge
/// get one acceptance and ``TransferRejection/challengeReused`` for the others.
public final class TransferVerifier: Sendable {
    /// The CA certificates the bank trusts.
    public let trustedCertificates: [Certificate]
    /// The rules in force: the store's policy as of this verifier's last operation. Every challenge
    /// and verification reads the store's policy version in its own transaction and reloads the
    /// policy when it moved (``BankPolicyCache``), so a policy another verifier or bank server put
    /// in the store applies from that server's commit on, without reopening this one.
    public var policy: BankPolicy { policyCache.policy }
    /// The bank directory: trust anchors, `policy.json`, and (for SQLite) `bank.sqlite`.
    public let directory: BankDirectory
    /// Where the state lives (``SQLBankStore``: SQLite in the directory, or PostgreSQL).
    public let store: any BankStore
    private let policyCache: BankPolicyCache
    private let trust: TrustStore
    private let now: @Sendable () -> Date

    /// A verifier over a bank directory: trusts its `ca-cert.pem` and keeps its state in the
    /// SQLite store `bank.sqlite` there (created with its schema on first use). The directory's
    /// `policy.json` seeds the store's policy (see ``init(directory:store:trusting:now:)``), and
    /// an old `state.json` is imported once. `now` is the clock (injectable for tests); the
    /// verifier reads it once per operation.
    public convenience init(directory url: URL, now: @escaping @Sendable () -> Date = { Date() }) throws(BankError) {
        let directory = try BankDirectory(url)
        let store = try SQLBankStore.sqlite(path: directory.databasePath)
        try self.init(directory: directory, store: store, trusting: directory.trustedCertificates(), now: now)
    }

    /// A verifier on `store`: when `directory` has a `policy.json` whose text differs from the one
    /// the store's policy came from, that file's policy goes into the store; a store without a
    /// policy gets ``BankPolicy/default``. Then the directory's old `state.json`, if any, is
    /// imported once (``importState()``).
    public init(directory: BankDirectory, store: any BankStore, trusting certificates: [Certificate],
                now: @escaping @Sendable () -> Date = { Date() }) throws(BankError) {
        var policy: BankPolicy
        if let file = try directory.policyFile(), try store.policySource() != file.text {
            try store.setPolicy(file.policy, source: file.text)
            policy = file.policy
        } else if let stored = try store.policy() {
            policy = stored
        } else {
            policy = .default
            try store.setPolicy(policy, source: nil)
        }
        try policy.validate()
        trust = try TrustStore(trusting: certificates)
        trustedCertificates = certificates
        policyCache = BankPolicyCache(policy)
        self.directory = directory
        self.store = store
        self.now = now
        try importState()
    }

    /// A verifier with explicit trust anchors and policy, on the SQLite store of `directory`;
    /// `policy` goes into the store.
    public convenience init(directory: BankDirectory, trusting certificates: [Certificate], policy: BankPolicy,
                            now: @escaping @Sendable () -> Date = { Date() }) throws(BankError) {
        try policy.validate()
        let store = try SQLBankStore.sqlite(path: directory.databasePath)
        try store.setPolicy(policy, source: try directory.policyFile()?.text)
        try self.init(directory: directory, store: store, trusting: certificates, now: now)
    }

    /// Imports the directory's `state.json` (from before the store) into the store, once: then
    /// renames it `state.json.imported`. Returns whether there was one to import. A file the store
    /// already imported (a second directory on a shared database) is only renamed.
    @discardableResult
    public func importState() throws(BankError) -> Bool {
        guard let json = try directory.legacyState() else { return false }
        _ = try store.importState(json: json, policy: policy)
        try directory.retireLegacyState()
        return true
    }

    /// Puts `policy` in the store (raising its policy version): every verifier on the store, this
    /// one and those of other bank servers, applies it from its next challenge or verification on.
    public func setPolicy(_ policy: BankPolicy) throws(BankError) {
        let version = try store.setPolicy(policy, source: try store.policySource())
        policyCache.update(version: version, policy: policy)
    }

    /// What the bank knows of the token `serial` today (UTC), `nil` for one it never saw.
    public func tokenStatus(serial: [UInt8]) throws(BankError) -> BankTokenStatus? {
        try store.tokenStatus(serial: serial, at: now())
    }

    /// Deletes up to `batch` challenges past their retention (issuing a challenge purges a batch
    /// too); returns how many. For a maintenance job on a bank that issues few challenges.
    @discardableResult
    public func purgeChallenges(batch: Int = 1_000) throws(BankError) -> Int {
        try store.purgeChallenges(at: now(), batch: batch)
    }

    /// Issues a fresh random challenge (`RAND_bytes`, ``BankPolicy/challengeLength`` bytes) for
    /// `transfer`, valid for ``BankPolicy/challengeLifetimeSeconds``, and records it. With
    /// `tokenSerial`, only that token may use it; `accountHolder` makes the daily limit count per
    /// holder rather than per token. Throws ``BankError/invalidTransfer(_:)`` for a transfer the
    /// card would refuse (amount or currency grammar, field lengths), ``BankError/refusedByPolicy(_:)``
    /// for one the policy refuses whatever happens (a currency it does not list, too many
    /// fraction digits, over the per-transfer limit), and ``BankError/tokenSuspended(serial:)``
    /// when `tokenSerial` names a suspended token.
    public func issueChallenge(for transfer: Transfer, tokenSerial: [UInt8]? = nil,
                               accountHolder: String? = nil) throws(BankError) -> IssuedChallenge {
        try transfer.validateForToken()
        let amount = try transfer.decimalAmount()
        let issuedAt = BankTime.wholeSeconds(now())
        // Decided under the policy in force in the store's transaction that records the challenge.
        return try store.issue(at: issuedAt, policy: policyCache) { (policy) throws(BankError) -> IssuedChallenge in
            if let rejection = policy.refusal(for: transfer, amount: amount) { throw .refusedByPolicy(rejection) }
            var bytes = [UInt8](repeating: 0, count: policy.challengeLength)
            guard RAND_bytes(&bytes, Int32(bytes.count)) == 1 else {
                ERR_clear_error()
                throw .randomUnavailable
            }
            return IssuedChallenge(challenge: bytes, transfer: transfer, issuedAt: issuedAt,
                                   expiresAt: issuedAt.addingTimeInterval(TimeInterval(policy.challengeLifetimeSeconds)),
                                   tokenSerial: tokenSerial, accountHolder: accountHolder)
        }
    }

    /// Lifts the suspension of the token `tokenSerial` (``TransferRejection/counterRegressed(last:got:)``
    /// set it); returns whether it was suspended. The last accepted counter stays: the bank
    /// should first make sure which card is genuine (its counter is the higher one).
    @discardableResult
    public func unsuspend(tokenSerial: [UInt8]) throws(BankError) -> Bool {
        try store.unsuspend(serial: tokenSerial)
    }

    /// Whether the token `tokenSerial` is suspended as possibly cloned.
    public func isSuspended(tokenSerial: [UInt8]) throws(BankError) -> Bool {
        try store.isSuspended(serial: tokenSerial)
    }

    /// Checks `signed` and, when it is accepted, records it: the challenge is used, the token's
    /// counter and the holder's daily total move. A refusal after a valid signature still uses
    /// the challenge (see the type's documentation). Throws only when the bank directory cannot
    /// be read or written.
    public func verify(_ signed: SignedTransfer) throws(BankError) -> TransferVerdict {
        try evaluate(signed, commit: true)
    }

    /// The same checks as ``verify(_:)`` without recording anything (a dry run): an
    /// ``TransferVerdict/accepted(_:)`` here means `verify` would accept now.
    public func check(_ signed: SignedTransfer) throws(BankError) -> TransferVerdict {
        try evaluate(signed, commit: false)
    }

    /// ``verify(_:)`` of the JSON form of ``SignedTransfer``; JSON that does not decode is
    /// ``TransferRejection/malformed(_:)``.
    public func verify(json: [UInt8]) throws(BankError) -> TransferVerdict {
        switch Self.decode(json) {
        case .success(let signed): return try verify(signed)
        case .failure(let rejection): return .rejected(rejection)
        }
    }

    /// ``check(_:)`` of the JSON form of ``SignedTransfer``.
    public func check(json: [UInt8]) throws(BankError) -> TransferVerdict {
        switch Self.decode(json) {
        case .success(let signed): return try check(signed)
        case .failure(let rejection): return .rejected(rejection)
        }
    }

    private static func decode(_ json: [UInt8]) -> Result<SignedTransfer, TransferRejection> {
        do {
            return .success(try JSONDecoder().decode(SignedTransfer.self, from: Data(json)))
        } catch let error as SignedTransferError {
            return .failure(.malformed(error.description))
        } catch {
            return .failure(.malformed("not a signed transfer: \(error)"))
        }
    }

    private func evaluate(_ signed: SignedTransfer, commit: Bool) throws(BankError) -> TransferVerdict {
        let at = now()
        let certificate: TrustedCertificate
        switch trust.certificate(der: signed.certificate, at: at) {
        case .success(let trusted): certificate = trusted
        case .failure(let rejection): return .rejected(rejection)
        }
        guard certificate.isIssued(toSerial: signed.tokenSerial) else {
            return .rejected(.serialMismatch(certificate: certificate.serialNumber, signed: signed.tokenSerial.hexString))
        }
        guard certificate.verify(signature: signed.signature, data: signed.dtbs) else { return .rejected(.badSignature) }

        return try store.verify(signed, certificateSubject: certificate.subject, at: at, policy: policyCache, commit: commit)
    }
}
