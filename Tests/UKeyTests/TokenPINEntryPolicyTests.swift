import Testing
import UKey
import UKeyInProcess

/// `Token.setPINEntryPolicy(_:puk:)` against the firmware in memory: SET PIN-ENTRY POLICY with
/// the PUK from the computer, its PUK counter, and keypad-only refusing the computer afterwards.
@Suite("Token.setPINEntryPolicy over the in-process channel")
struct TokenPINEntryPolicyTests {
    @Test("the PUK sets keypad-only; a wrong PUK counts; keypad-only then refuses PINs and PUKs from the computer without using a try")
    func setKeypadOnly() async throws {
        let (token, _) = try TokenTests.factoryToken()
        await #expect(throws: TokenError.wrongPUK(triesLeft: 2)) { try await token.setPINEntryPolicy(.keypadOnly, puk: "11112222") }
        #expect(try await token.info().pinEntry == .both, "a wrong PUK changes nothing")

        try await token.setPINEntryPolicy(.keypadOnly, puk: TokenTests.puk)
        let info = try await token.info()
        #expect(info.pinEntry == .keypadOnly)
        #expect(info.pukTriesLeft == 3, "a correct PUK resets its tries")

        // 6985 to a PIN command is keypad-only's refusal, not the holder's Cancel (userDenied).
        await #expect(throws: TokenError.pinEntryKeypadOnly) { try await token.verifyPIN(TokenTests.factoryPIN) }
        await #expect(throws: TokenError.pinEntryKeypadOnly) { try await token.changePIN(old: TokenTests.factoryPIN, new: "24681357") }
        await #expect(throws: TokenError.pinEntryKeypadOnly) { try await token.unblockPIN(puk: TokenTests.puk, newPIN: "24681357") }
        await #expect(throws: TokenError.pinEntryKeypadOnly) { try await token.setPINEntryPolicy(.both, puk: TokenTests.puk) }
        #expect(TokenError.pinEntryKeypadOnly.description == "this token takes its PIN on its own keypad only: use --on-token")
        let after = try await token.info()
        #expect(after.pinEntry == .keypadOnly && after.pinTriesLeft == 3 && after.pukTriesLeft == 3,
                "refused before anything is checked: no try used, the policy stays")
    }

    @Test("setting the policy in force again is accepted; a malformed PUK is refused without a try")
    func setBothAndMalformed() async throws {
        let (token, _) = try TokenTests.factoryToken()
        try await token.setPINEntryPolicy(.both, puk: TokenTests.puk)
        #expect(try await token.info().pinEntry == .both)
        await #expect(throws: TokenError.invalidPINFormat) { try await token.setPINEntryPolicy(.keypadOnly, puk: "12ab") }
        #expect(try await token.info().pukTriesLeft == 3)
    }
}
