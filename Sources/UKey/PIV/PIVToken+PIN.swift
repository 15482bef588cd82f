/// The PIV PIN (reference 80) and PUK (81): 6–8 digits each, 3 tries each, separate from the
/// banking PIN. A value of another format is refused here and costs no try.
extension PIVToken {
    /// VERIFY the PIN. A wrong PIN throws ``TokenError/wrongPIN(triesLeft:)``, the try that uses
    /// the last one ``TokenError/blocked``.
    public func verifyPIN(_ pin: Secret) async throws(TokenError) {
        try await operation { session throws(TokenError) in try await session.verify(pin) }
    }

    /// The PIN's state (VERIFY without data): verified, or the tries left. Uses no try.
    public func pinStatus() async throws(TokenError) -> PIVCredentialStatus {
        try await operation { session throws(TokenError) in
            guard let status = try await session.status(of: PIVCommand.pinReference) else {
                throw .malformedResponse("VERIFY without data reported no PIN state")
            }
            return status
        }
    }

    /// Ends the PIN's verified state (`00 20 FF 80`).
    public func logOut() async throws(TokenError) {
        try await operation { session throws(TokenError) in
            _ = try await session.send(BankingCommand(ins: 0x20, p1: 0xFF, p2: PIVCommand.pinReference), operation: "VERIFY (log out)")
        }
    }

    /// CHANGE REFERENCE DATA for the PIN; a wrong `old` counts as a wrong try.
    public func changePIN(old: Secret, new: Secret) async throws(TokenError) {
        try await change(PIVCommand.pinReference, old: old, new: new, operation: "CHANGE PIN")
    }

    /// CHANGE REFERENCE DATA for the PUK; a wrong `old` throws ``TokenError/wrongPUK(triesLeft:)``.
    public func changePUK(old: Secret, new: Secret) async throws(TokenError) {
        try await change(PIVCommand.pukReference, old: old, new: new, operation: "CHANGE PUK")
    }

    /// RESET RETRY COUNTER: the PUK sets `newPIN` and gives the PIN its tries back; the PIN is not
    /// verified afterwards. A wrong PUK throws ``TokenError/wrongPUK(triesLeft:)``, a blocked one
    /// ``TokenError/pukBlocked``.
    public func unblockPIN(puk: Secret, newPIN: Secret) async throws(TokenError) {
        guard var paddedPUK = PIVCommand.paddedSecret(puk), var paddedPIN = PIVCommand.paddedSecret(newPIN) else {
            throw PIVSession.formatError
        }
        defer {
            paddedPUK.cleanse()
            paddedPIN.cleanse()
        }
        try await operation { session throws(TokenError) in
            do throws(TokenError) {
                _ = try await session.send(PIVCommand.resetRetryCounter(puk: paddedPUK, newPIN: paddedPIN), operation: "RESET RETRY COUNTER",
                                           pinFormat: true)
            } catch {
                throw error.forPUK
            }
        }
    }

    private func change(_ reference: UInt8, old: Secret, new: Secret, operation name: String) async throws(TokenError) {
        guard var paddedOld = PIVCommand.paddedSecret(old), var paddedNew = PIVCommand.paddedSecret(new) else {
            throw PIVSession.formatError
        }
        defer {
            paddedOld.cleanse()
            paddedNew.cleanse()
        }
        try await operation { session throws(TokenError) in
            do throws(TokenError) {
                _ = try await session.send(PIVCommand.changeReference(reference, old: paddedOld, new: paddedNew), operation: name,
                                           pinFormat: true)
            } catch {
                throw reference == PIVCommand.pukReference ? error.forPUK : error
            }
        }
    }
}

extension PIVToken {
    /// VERIFY of the PIV PIN typed on the token's keypad (the reader's PIN pad): ASCII in the
    /// 8-byte FF-padded block of `00 20 00 80`, 6–8 digits. Cancel throws
    /// ``TokenError/pinEntryCancelled``, no digits in time ``TokenError/pinEntryTimedOut``.
    public func verifyPINOnDevice() async throws(TokenError) {
        try await operation { session throws(TokenError) in
            try await Token.pinPad(session.session, PIVToken.verifyStructure, modify: false, operation: "VERIFY PIV PIN")
        }
    }

    /// CHANGE REFERENCE DATA of the PIV PIN with both PINs typed on the token's keypad: the
    /// current one, then the new one twice, ASCII in two 8-byte FF-padded blocks of
    /// `00 24 00 80`, 6–8 digits. Differing new PINs throw ``TokenError/invalidInput(_:)`` and
    /// change nothing; a wrong current PIN ``TokenError/wrongPIN(triesLeft:)``.
    public func changePINOnDevice() async throws(TokenError) {
        try await operation { session throws(TokenError) in
            try await Token.pinPad(session.session, PIVToken.changeStructure, modify: true, operation: "CHANGE PIV PIN")
        }
    }

    /// RESET RETRY COUNTER (`00 2C 00 80`) with the PUK and the new PIV PIN (twice) typed on the
    /// token's keypad: ASCII in two 8-byte FF-padded blocks, the PUK in the first, 6–8 digits
    /// each. The keypad shows "Enter PIN" for the PUK (part 10 has no PUK message). Differing new
    /// PINs throw ``TokenError/invalidInput(_:)`` and change nothing; a wrong PUK
    /// ``TokenError/wrongPUK(triesLeft:)``, a blocked one ``TokenError/pukBlocked``.
    public func unblockPINOnDevice() async throws(TokenError) {
        try await operation { session throws(TokenError) in
            do throws(TokenError) {
                try await Token.pinPad(session.session, PIVToken.unblockStructure, modify: true, operation: "RESET RETRY COUNTER")
            } catch {
                throw error.forPUK
            }
        }
    }

    /// Part 10's PIN_MODIFY_STRUCTURE for RESET RETRY COUNTER: as ``changeStructure``'s, the
    /// PUK in the first block.
    static var unblockStructure: [UInt8] {
        let apdu: [UInt8] = [0x00, 0x2C, 0x00, 0x80, 0x10] + [UInt8](repeating: 0xFF, count: 16)
        return [0x00, 0x00, 0x82, 0x08, 0x00, 0x00, 0x08, 0x08, 0x06, 0x03, 0x02, 0x03, 0x09, 0x04, 0x00, 0x01, 0x02,
                0x00, 0x00, 0x00, UInt8(apdu.count), 0x00, 0x00, 0x00] + apdu
    }

    /// Part 10's PIN_MODIFY_STRUCTURE for the PIV PIN: ASCII, blocks of 8 at 0 and 8, three messages.
    static var changeStructure: [UInt8] {
        let apdu: [UInt8] = [0x00, 0x24, 0x00, 0x80, 0x10] + [UInt8](repeating: 0xFF, count: 16)
        return [0x00, 0x00, 0x82, 0x08, 0x00, 0x00, 0x08, 0x08, 0x06, 0x03, 0x02, 0x03, 0x09, 0x04, 0x00, 0x01, 0x02,
                0x00, 0x00, 0x00, UInt8(apdu.count), 0x00, 0x00, 0x00] + apdu
    }

    /// Part 10's PIN_VERIFY_STRUCTURE for the PIV PIN.
    static var verifyStructure: [UInt8] {
        let apdu: [UInt8] = [0x00, 0x20, 0x00, 0x80, 0x08] + [UInt8](repeating: 0xFF, count: 8)
        return [0x00, 0x00, 0x82, 0x08, 0x00, 0x08, 0x06, 0x02, 0x01, 0x09, 0x04, 0x00, 0x00, 0x00, 0x00,
                UInt8(apdu.count), 0x00, 0x00, 0x00] + apdu
    }
}
