import Foundation
import ISO7816

/// What the bank remembers between verifications, kept in `state.json`: the challenges it issued
/// (until ``BankPolicy/challengeRetentionSeconds`` after they expire), the last signature counter
/// accepted from each token, and each holder's accepted total per currency for the current UTC day.
///
///     { "version": 1,
///       "challenges": { "HEX": { "expiresAt": "2026-11-23T10:20:00Z", "usedAt": "2026-11-23T10:16:02Z" },
///                       "HEX": { "expiresAt": "…", "issued": { IssuedChallenge } } },
///       "lastCounters": { "SERIAL HEX": 3 },
///       "dailyTotals": { "token:SERIAL HEX": { "day": "2026-11-23", "totals": { "CNY": "1234.56" } } } }
///
/// The stateful checks are a pure function of this value (``decide(_:certificateSubject:at:policy:)``);
/// ``record(_:verdict:at:)`` applies their outcome, which ``BankDirectory`` then writes under its
/// lock — a dry run only decides.
struct BankState: Codable, Sendable {
    /// One holder's accepted amounts, by currency, on one UTC day.
    struct DailyTotal: Codable, Sendable {
        var day: String
        var totals: [String: DecimalAmount]
    }

    static let currentVersion = 1

    var version = BankState.currentVersion
    /// Issued challenges by upper-case hex.
    var challenges: [String: ChallengeRecord] = [:]
    /// The last accepted signature counter by token serial (upper-case hex).
    var lastCounters: [String: UInt32] = [:]
    /// Totals by holder: `token:SERIAL` or `holder:ID` (``IssuedChallenge/accountHolder``).
    var dailyTotals: [String: DailyTotal] = [:]

    init() {}

    /// Forgets challenges that expired `retention` seconds or more before `now`, the intended
    /// transfers of expired ones, and totals of other days than `now`'s.
    mutating func prune(at now: Date, retention: Int) {
        let cutoff = now.addingTimeInterval(-TimeInterval(retention))
        challenges = challenges.compactMapValues { record in
            guard record.expiresAt > cutoff else { return nil }
            var kept = record
            if kept.expiresAt <= now { kept.issued = nil }
            return kept
        }
        let today = BankTime.day(now)
        dailyTotals = dailyTotals.filter { $0.value.day == today }
    }

    /// Records a newly issued challenge.
    mutating func issue(_ challenge: IssuedChallenge) {
        challenges[challenge.challenge.hexString] = ChallengeRecord(expiresAt: challenge.expiresAt, issued: challenge)
    }

    /// The stateful checks, in order, for a transfer whose certificate and signature have already
    /// verified: the challenge is known (and not past its retention), unused and unexpired; it
    /// was issued for this token; the fields are the intended transfer; the counter is above the
    /// last accepted one; the amount is within the limits. Changes nothing: returns the verdict
    /// and whether it uses the challenge up, for ``record(_:verdict:at:)``.
    ///
    /// A valid signature over a live challenge uses the challenge up, whatever the verdict; only
    /// an acceptance moves the counter and the daily total.
    func decide(_ signed: SignedTransfer, certificateSubject: String, at now: Date,
                policy: BankPolicy) -> (verdict: TransferVerdict, usesChallenge: Bool) {
        guard let record = challenges[signed.challenge.hexString],
              record.expiresAt.addingTimeInterval(TimeInterval(policy.challengeRetentionSeconds)) > now
        else { return (.rejected(.unknownChallenge), false) }
        guard record.usedAt == nil else { return (.rejected(.challengeReused), false) }
        guard now < record.expiresAt, let issued = record.issued else { return (.rejected(.challengeExpired), false) }
        let consumed = { (reason: TransferRejection) in (verdict: TransferVerdict.rejected(reason), usesChallenge: true) }

        let serial = signed.tokenSerial.hexString
        if let expected = issued.tokenSerial, expected != signed.tokenSerial {
            return consumed(.wrongToken(expected: expected.hexString, signed: serial))
        }
        if let field = TransferField.firstDifference(intended: issued.transfer, signed: signed.transfer) {
            return consumed(.fieldsDiffer(field))
        }
        if let last = lastCounters[serial], signed.counter <= last {
            return consumed(.counterNotIncreasing(last: last, got: signed.counter))
        }
        let currency = signed.transfer.currency
        guard let amount = try? signed.transfer.decimalAmount() else {
            return consumed(.malformed("amount \"\(signed.transfer.amount)\" is not a decimal above zero"))
        }
        guard let limits = policy.limits(for: currency) else { return consumed(.currencyNotAllowed(currency)) }
        if let limit = limits.perTransfer, amount > limit {
            return consumed(.overTransferLimit(amount: amount, limit: limit, currency: currency))
        }
        let day = BankTime.day(now)
        let daily = dailyTotals[Self.holderKey(issued.accountHolder, serialHex: serial)]
        let acceptedToday = daily?.day == day ? daily?.totals[currency] ?? .zero : .zero
        let total = acceptedToday.adding(amount)
        if let limit = limits.perDay, total.map({ $0 > limit }) ?? true {
            return consumed(.overDailyLimit(amount: amount, acceptedToday: acceptedToday, limit: limit, currency: currency))
        }
        guard let total else { return consumed(.malformed("the daily total overflows")) }
        return (.accepted(AcceptedTransfer(transfer: signed.transfer, amount: amount, tokenSerial: signed.tokenSerial,
                                           counter: signed.counter, challenge: signed.challenge,
                                           certificateSubject: certificateSubject, accountHolder: issued.accountHolder,
                                           verifiedAt: BankTime.wholeSeconds(now), day: day, acceptedToday: total)), true)
    }

    /// Records a verdict of ``decide(_:certificateSubject:at:policy:)`` that used the challenge:
    /// marks the challenge used (forgetting the intended transfer: a used challenge needs only
    /// its dates, and the state keeps no payee details it does not need) and, for an acceptance, sets the token's last counter and the
    /// holder's total for the day.
    mutating func record(_ signed: SignedTransfer, verdict: TransferVerdict, at now: Date) {
        challenges[signed.challenge.hexString]?.usedAt = BankTime.wholeSeconds(now)
        challenges[signed.challenge.hexString]?.issued = nil
        guard case .accepted(let accepted) = verdict else { return }
        lastCounters[signed.tokenSerial.hexString] = accepted.counter
        let key = Self.holderKey(accepted.accountHolder, serialHex: accepted.tokenSerial.hexString)
        if dailyTotals[key]?.day != accepted.day { dailyTotals[key] = DailyTotal(day: accepted.day, totals: [:]) }
        dailyTotals[key]?.totals[accepted.transfer.currency] = accepted.acceptedToday
    }

    /// The daily-total key: `holder:ID` when the challenge named an account holder, else `token:SERIAL`.
    static func holderKey(_ accountHolder: String?, serialHex: String) -> String {
        accountHolder.map { "holder:" + $0 } ?? "token:" + serialHex
    }
}
