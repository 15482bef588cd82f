import BankingApplet
import CardOS
import HostPlatform
import ISO7816
import TokenDevice
import Testing

/// The keypad forms of CHANGE and UNBLOCK, and the token policy `pin-entry keypad-only`.
@Suite("Banking applet: PIN typed on the token")
struct PINEntryPolicyTests {
    /// A PIN as the keypad form's 8-byte block: packed BCD, F nibbles after the digits.
    static func block(_ digits: String) -> [UInt8] {
        var nibbles = digits.utf8.map { $0 - 0x30 }
        nibbles += [UInt8](repeating: 0x0F, count: 16 - nibbles.count)
        return stride(from: 0, to: 16, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
    }

    static func keypadOnlyToken() -> TokenHarness {
        let memory = MemoryNVM()
        try! TokenFirmware<TestPlatform>.manufacture(memory, serial: TokenHarness.serial,
                                                     pin: Array(TokenHarness.factoryPIN.utf8),
                                                     puk: Array(TokenHarness.factoryPUK.utf8),
                                                     piv: .wellKnownDefaults, keypadOnly: true)
        let token = TokenHarness(memory: memory)
        token.select()
        return token
    }

    static func fromKeypad(_ token: TokenHarness, _ command: [UInt8]) -> StatusWord {
        guard case .response(let bytes) = token.card.process(command, origin: .keypad) else { return StatusWord(0) }
        return (try? ResponseAPDU(parsing: bytes))?.statusWord ?? StatusWord(0)
    }

    @Test("keypad form of CHANGE `00 24 10 81`: two BCD blocks padded with F; a digit after the padding is 6A80")
    func keypadChange() {
        let token = TokenHarness()
        token.select()
        let change = token.apdu("00241081", PINEntryPolicyTests.block(TokenHarness.factoryPIN) + PINEntryPolicyTests.block("2468135790123456"))
        #expect(token.send(change).statusWord == .success)
        #expect(token.verify("2468135790123456") == .success, "a 16-digit PIN fits the 8-byte block")
        var bad = PINEntryPolicyTests.block("2468135790123456") + PINEntryPolicyTests.block("111111")
        bad[15] = 0xF1
        #expect(token.send(token.apdu("00241081", bad)).statusWord == .wrongData)
        #expect(token.send(token.apdu("00241081", Array(bad.prefix(15)))).statusWord == .wrongData)
        #expect(token.pinTries == 3, "a malformed block costs no try")
    }

    @Test("keypad form of UNBLOCK `00 2C 10 81`: PUK block and new PIN block")
    func keypadUnblock() {
        let token = TokenHarness()
        token.select()
        for _ in 0..<3 { _ = token.verify("000000") }
        let unblock = token.apdu("002C1081", PINEntryPolicyTests.block(TokenHarness.factoryPUK) + PINEntryPolicyTests.block("97531864"))
        #expect(token.send(unblock).statusWord == .success)
        #expect(token.verify("97531864") == .success)
    }

    @Test("keypad-only: VERIFY with a PIN, CHANGE, UNBLOCK and SET POLICY from the host answer 6985 and cost no try; from the keypad they work")
    func keypadOnly() {
        let token = PINEntryPolicyTests.keypadOnlyToken()
        #expect(token.info.first(0xCB)?.value == [0x01])
        let pin = Array(TokenHarness.factoryPIN.utf8)
        #expect(token.send(token.apdu("00200081", pin)).statusWord == .conditionsNotSatisfied)
        #expect(token.send(token.apdu("00240081", [6] + pin + [8] + Array("24681357".utf8))).statusWord == .conditionsNotSatisfied)
        #expect(token.send(token.apdu("002C0081", [8] + Array(TokenHarness.factoryPUK.utf8) + [6] + pin)).statusWord == .conditionsNotSatisfied)
        #expect(token.send(token.apdu("80520000", Array(TokenHarness.factoryPUK.utf8))).statusWord == .conditionsNotSatisfied)
        #expect(token.pinTries == 3 && token.pukTries == 3, "refused before any check")
        #expect(token.send("0020008100").statusWord == .verificationFailed(triesLeft: 3), "asking the state carries no PIN")

        #expect(PINEntryPolicyTests.fromKeypad(token, token.apdu("00200081", pin)) == .success)
        let change = token.apdu("00241081", PINEntryPolicyTests.block(TokenHarness.factoryPIN) + PINEntryPolicyTests.block("24681357"))
        #expect(PINEntryPolicyTests.fromKeypad(token, change) == .success)
        #expect(PINEntryPolicyTests.fromKeypad(token, token.apdu("80520000", Array(TokenHarness.factoryPUK.utf8))) == .success,
                "the PUK typed on the keypad sets the policy back to both")
        #expect(token.info.first(0xCB)?.value == [0x00])
        #expect(token.verify("24681357") == .success, "the host may send the PIN again")
    }

    @Test("SET PIN-ENTRY POLICY `80 52 00 pp` with the PUK: keypad-only survives a power cycle; a wrong PUK counts and changes nothing")
    func setPolicy() {
        let token = TokenHarness()
        token.select()
        #expect(token.send(token.apdu("80520001", Array("00000000".utf8))).statusWord == .verificationFailed(triesLeft: 2))
        #expect(token.info.first(0xCB)?.value == [0x00])
        #expect(token.send(token.apdu("80520002", Array(TokenHarness.factoryPUK.utf8))).statusWord == .wrongP1P2)
        #expect(token.send(token.apdu("80520001", Array(TokenHarness.factoryPUK.utf8))).statusWord == .success)
        token.powerCycle()
        token.select()
        #expect(token.info.first(0xCB)?.value == [0x01])
        #expect(token.verify(TokenHarness.factoryPIN) == .conditionsNotSatisfied)
    }
}
