/// The holder's PIN: verify, change (the factory PIN must be changed first), unblock with the PUK.
extension Token {
    /// VERIFY PIN. A wrong PIN throws ``TokenError/wrongPIN(triesLeft:)``; the try that uses the
    /// last one throws ``TokenError/blocked``.
    public func verifyPIN(_ pin: Secret) async throws(TokenError) {
        try await operation { session throws(TokenError) in
            _ = try await session.send(BankingCommand.verify(pin), operation: "VERIFY PIN", pinFormat: true)
        }
    }

    /// Whether the PIN is verified in this session (VERIFY without data: no try is used).
    public func isPINVerified() async throws(TokenError) -> Bool {
        try await operation { session throws(TokenError) in
            let response = try await session.exchange(BankingCommand.verify(nil))
            return response.statusWord == .success
        }
    }

    /// CHANGE PIN from `old` to `new` (6–16 digits); leaves the PIN verified and clears the
    /// factory PIN's must-change flag. A wrong `old` counts as a wrong try; a `new` equal to `old`
    /// throws ``TokenError/newPINSameAsOld`` and uses no try.
    public func changePIN(old: Secret, new: Secret) async throws(TokenError) {
        try await operation { session throws(TokenError) in
            _ = try await session.send(BankingCommand.changePIN(old: old, new: new), operation: "CHANGE PIN", pinFormat: true)
        }
    }

    /// UNBLOCK PIN with the PUK, setting `newPIN`; leaves the PIN verified. The PUK has its own
    /// tries: a wrong PUK throws ``TokenError/wrongPUK(triesLeft:)``, a blocked one
    /// ``TokenError/pukBlocked``; a `newPIN` equal to the blocked PIN throws
    /// ``TokenError/newPINSameAsOld`` (after a correct PUK, whose tries go back to the maximum).
    public func unblockPIN(puk: Secret, newPIN: Secret) async throws(TokenError) {
        try await operation { session throws(TokenError) in
            do throws(TokenError) {
                _ = try await session.send(BankingCommand.unblockPIN(puk: puk, new: newPIN), operation: "UNBLOCK PIN", pinFormat: true)
            } catch {
                throw error.forPUK
            }
        }
    }
}
