import UKey
import Foundation
import ISO7816

extension BankState {
    /// The stateful checks, in order, for a transfer whose certificate and signature have already
    /// verified: the challenge is known (and not past its retention), unused and unexpired; the
    /// token is not suspended; the challenge was issued for this token; the fields are the
    /// intended transfer; the counter is above the last accepted one and at most
    /// ``BankPolicy/maxCounterStep`` above it; the policy takes the currency, its minor digits and
    /// its limits, per transfer, per day in the currency and per day overall. Changes nothing:
    /// returns the verdict and whether it uses the challenge up (``SQLBankStore`` then writes it).
    ///
    /// A valid signature over a live challenge uses the challenge up, whatever the verdict; only
    /// an acceptance moves the counter and the daily totals, and only
    /// ``TransferRejection/counterRegressed(last:got:)`` suspends the token.
    func decide(_ signed: SignedTransfer, certificateSubject: String, at now: Date,
                policy: BankPolicy) -> (verdict: TransferVerdict, usesChallenge: Bool) {
        guard let record = challenges[signed.challenge.hexString],
              record.expiresAt.addingTimeInterval(TimeInterval(policy.challengeRetentionSeconds)) > now
        else { return (.rejected(.unknownChallenge), false) }
        guard record.usedAt == nil else { return (.rejected(.challengeReused), false) }
        guard now < record.expiresAt, let issued = record.issued else { return (.rejected(.challengeExpired), false) }
        let consumed = { (reason: TransferRejection) in (verdict: TransferVerdict.rejected(reason), usesChallenge: true) }

        let serial = signed.tokenSerial.hexString
        if isSuspended(serial) { return consumed(.tokenSuspended(serial: serial)) }
        if let expected = issued.tokenSerial, expected != signed.tokenSerial {
            return consumed(.wrongToken(expected: expected.hexString, signed: serial))
        }
        if let field = TransferField.firstDifference(intended: issued.transfer, signed: signed.transfer) {
            return consumed(.fieldsDiffer(field))
        }
        if let rejection = counterProblem(signed.counter, serial: serial, challengeSequence: record.sequence, policy: policy) {
            return consumed(rejection)
        }
        let currency = signed.transfer.currency
        guard let amount = try? signed.transfer.decimalAmount() else {
            return consumed(.malformed("amount \"\(signed.transfer.amount)\" is not a decimal above zero"))
        }
        if let rejection = policy.refusal(for: signed.transfer, amount: amount) { return consumed(rejection) }

        let day = BankTime.day(now)
        let daily = dailyTotals[Self.holderKey(issued.accountHolder, serialHex: serial)].flatMap { $0.day == day ? $0 : nil }
        let acceptedToday = daily?.totals[currency] ?? .zero
        let total = acceptedToday.adding(amount)
        if let limit = policy.currencies[currency]?.perDay, total.map({ $0 > limit }) ?? true {
            return consumed(.overDailyLimit(amount: amount, acceptedToday: acceptedToday, limit: limit, currency: currency))
        }
        guard let total else { return consumed(.malformed("the daily total overflows")) }
        let overallBefore = daily.map { overallTotal(of: $0, policy: policy) } ?? .zero
        let converted = policy.inBaseCurrency(amount, currency)
        let overall = converted.flatMap { overallBefore.adding($0) }
        guard converted != nil, let overall, overall <= policy.dailyLimit else {
            return consumed(.overOverallDailyLimit(amount: amount, currency: currency, converted: converted ?? DecimalAmount(thousandths: .max),
                                                   acceptedToday: overallBefore, limit: policy.dailyLimit,
                                                   baseCurrency: policy.baseCurrency))
        }
        return (.accepted(AcceptedTransfer(transfer: signed.transfer, amount: amount, tokenSerial: signed.tokenSerial,
                                           counter: signed.counter, challenge: signed.challenge,
                                           certificateSubject: certificateSubject, accountHolder: issued.accountHolder,
                                           verifiedAt: BankTime.wholeSeconds(now), day: day, acceptedToday: total,
                                           baseCurrency: policy.baseCurrency, overallToday: overall)), true)
    }

    /// Why `counter` from the token `serial`, signed over a challenge with issue sequence number
    /// `challengeSequence`, is refused, or `nil`. At or below the last accepted counter it is a
    /// late replay (``TransferRejection/counterNotIncreasing(last:got:)``) — unless the challenge
    /// was issued after that acceptance, which only a copied or restored card can sign
    /// (``TransferRejection/counterRegressed(last:got:)``). Above it by more than the policy's
    /// step (above the step for a token never seen) it is ``TransferRejection/counterJumped(last:got:maxStep:)``.
    private func counterProblem(_ counter: UInt32, serial: String, challengeSequence: UInt64,
                                policy: BankPolicy) -> TransferRejection? {
        let token = tokens[serial]
        if let token, counter <= token.lastCounter {
            return challengeSequence > token.acceptedAtSequence
                ? .counterRegressed(last: token.lastCounter, got: counter)
                : .counterNotIncreasing(last: token.lastCounter, got: counter)
        }
        let last = token?.lastCounter ?? 0
        guard UInt64(counter) - UInt64(last) <= UInt64(policy.maxCounterStep) else {
            return .counterJumped(last: token?.lastCounter, got: counter, maxStep: UInt32(clamping: policy.maxCounterStep))
        }
        return nil
    }

    /// The holder's overall total of `daily` in the base currency: as recorded, or for a version 1
    /// state each currency's total converted now; a total in a currency the policy no longer
    /// lists counts as the whole daily limit (the bank cannot tell how much it was worth).
    func overallTotal(of daily: DailyTotal, policy: BankPolicy) -> DecimalAmount {
        if let overall = daily.overall { return overall }
        var sum = DecimalAmount.zero
        for (currency, total) in daily.totals {
            guard let converted = policy.inBaseCurrency(total, currency), let next = sum.adding(converted) else { return policy.dailyLimit }
            sum = next
        }
        return sum
    }
}
