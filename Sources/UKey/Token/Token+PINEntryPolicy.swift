/// The token policy `pin-entry` (docs/ARCHITECTURE.md, "The banking applet"): whether the PIN
/// may come from the computer or only from the token's keypad. Changing it takes the PUK.
extension Token {
    /// SET PIN-ENTRY POLICY with the PUK sent from this computer. A wrong PUK throws
    /// ``TokenError/wrongPUK(triesLeft:)``, a blocked one ``TokenError/pukBlocked``. A
    /// keypad-only token refuses every PUK that comes from the computer (6985, no try used:
    /// ``TokenError/pinEntryKeypadOnly``); use ``setPINEntryPolicyOnDevice(_:)`` there.
    public func setPINEntryPolicy(_ policy: TokenInfo.PINEntryPolicy, puk: Secret) async throws(TokenError) {
        try await operation { session throws(TokenError) in
            do throws(TokenError) {
                _ = try await session.send(BankingCommand.setPINEntryPolicy(policy, puk: puk), operation: "SET PIN-ENTRY POLICY", pinFormat: true)
            } catch {
                throw error.forPUK
            }
        }
    }

    /// SET PIN-ENTRY POLICY with the PUK typed on the token's keypad (the only way back from
    /// keypad-only): ASCII, block size 0, 8–16 digits. Cancel throws
    /// ``TokenError/pinEntryCancelled``, a wrong PUK ``TokenError/wrongPUK(triesLeft:)``.
    public func setPINEntryPolicyOnDevice(_ policy: TokenInfo.PINEntryPolicy) async throws(TokenError) {
        try await operation { session throws(TokenError) in
            do throws(TokenError) {
                try await Self.pinPad(session, Self.policyStructure(policy), modify: false, operation: "SET PIN-ENTRY POLICY")
            } catch {
                throw error.forPUK
            }
        }
    }

    /// Part 10's PIN_VERIFY_STRUCTURE for `80 52 00 pp`: as the banking VERIFY's, 8–16 digits.
    static func policyStructure(_ policy: TokenInfo.PINEntryPolicy) -> [UInt8] {
        let apdu: [UInt8] = [0x80, 0x52, 0x00, policy.reference]
        return [0x00, 0x00, 0x82, 0x00, 0x00, 0x10, 0x08, 0x02, 0x01, 0x09, 0x04, 0x00, 0x00, 0x00, 0x00,
                UInt8(apdu.count), 0x00, 0x00, 0x00] + apdu
    }
}
