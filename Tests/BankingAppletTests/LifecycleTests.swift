import BankingApplet
import CardOS
import ISO7816
import Testing

@Suite("Banking applet: PIN lifecycle")
struct PINLifecycleTests {
    @Test("a factory-fresh token: firmware 2.0, no keys, 3 + 3 tries, both counters 0, PIN must change")
    func factoryState() {
        let token = TokenHarness()
        token.select()
        let info = token.info
        #expect(info.first(0xC0)?.value == TokenHarness.serial)
        #expect(info.first(0xC1)?.value == [0x02, 0x00])
        #expect(info.first(0xC2)?.value == [0x00])
        #expect(info.first(0xC8)?.value == [0x00])
        #expect(info.first(0xC9)?.value == [0x00])
        #expect(token.pinTries == 3 && token.pukTries == 3)
        #expect(token.transferCounter == 0 && token.authenticationCounter == 0)
        #expect(info.map(\.tag.rawValue) == [0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xCB])
        #expect(info.first(0xCB)?.value == [0x00], "PIN entry: keypad or computer")
        #expect(info.first(0xC6)?.value == [4, 16])
        #expect(info.first(0xC7)?.value == [0x01])
    }

    @Test("nothing uses a key before the factory PIN is changed", arguments: [
        ("00478001", [0x80, 0x01, 0x01]),                                        // GENERATE transfer
        ("00478002", [0x80, 0x01, 0x01]),                                        // GENERATE authentication
        ("00478003", [0x80, 0x01, 0x01]),                                        // GENERATE decryption
        ("80500001", [0x30, 0x00]),                                              // card-built request
        ("002A9E9A", TestRSA.sha256DigestInfoPrefix + [UInt8](repeating: 1, count: 32)), // SIGN
        ("002A8086", [0x00] + [UInt8](repeating: 1, count: 128)),                // DECIPHER
        ("00880000", [UInt8](repeating: 7, count: 8)),                           // INTERNAL AUTHENTICATE
        ("80C00000", TransferBody().bytes),                                       // CONFIRM TRANSFER
    ] as [(String, [UInt8])])
    func factoryPINCannotSign(header: String, data: [UInt8]) {
        let token = TokenHarness()
        token.select()
        #expect(token.verify(TokenHarness.factoryPIN) == .success)
        #expect(token.send(token.apdu(header, data, le: true)).statusWord == .securityStatusNotSatisfied)
    }

    @Test("wrong PINs: 63C2, 63C1, then 6983; a blocked PIN refuses even the right one")
    func wrongPINs() {
        let token = TokenHarness()
        token.select()
        #expect(token.verify("000000") == .verificationFailed(triesLeft: 2))
        #expect(token.verify("000000") == .verificationFailed(triesLeft: 1))
        #expect(token.verify("000000") == .authenticationMethodBlocked, "63C0 is never sent")
        #expect(token.verify(TokenHarness.factoryPIN) == .authenticationMethodBlocked)
        #expect(token.send("0020008100").statusWord == .authenticationMethodBlocked)
        #expect(token.platform.presence.events.contains(.pinBlocked))
    }

    @Test("VERIFY with no data reports the state without using a try")
    func verifyStatus() {
        let token = TokenHarness()
        token.select()
        #expect(token.send("00200081").statusWord == .verificationFailed(triesLeft: 3))
        #expect(token.verify(TokenHarness.factoryPIN) == .success)
        #expect(token.send("00200081").statusWord == .success)
        #expect(token.pinTries == 3)
    }

    @Test("a PIN of the wrong format is 6A80 and costs no try",
          arguments: ["12345", "12345678901234567", "12345a", "123 456", "１２３４５６"])
    func pinFormat(candidate: String) {
        let token = TokenHarness()
        token.select()
        #expect(token.verify(candidate) == .wrongData)
        #expect(token.change(candidate, to: TokenHarness.pin) == .wrongData)
        #expect(token.change(TokenHarness.factoryPIN, to: candidate) == .wrongData)
        #expect(token.pinTries == 3)
    }

    @Test("CHANGE PIN: a wrong old PIN counts as a try; the right one clears must-change and verifies")
    func changePIN() {
        let token = TokenHarness()
        token.select()
        #expect(token.change("999999", to: TokenHarness.pin) == .verificationFailed(triesLeft: 2))
        #expect(token.change(TokenHarness.factoryPIN, to: TokenHarness.pin) == .success)
        #expect(token.pinTries == 3)
        #expect(token.info.first(0xC7)?.value == [0x00])
        #expect(token.send("00200081").statusWord == .success, "CHANGE leaves the PIN verified")
        #expect(token.verify(TokenHarness.factoryPIN) == .verificationFailed(triesLeft: 2))
        #expect(token.verify(TokenHarness.pin) == .success)
    }

    @Test("CHANGE to the same PIN is 6900 and uses no try: the factory PIN cannot be kept")
    func changeToSamePIN() {
        let token = TokenHarness()
        token.select()
        #expect(token.change(TokenHarness.factoryPIN, to: TokenHarness.factoryPIN) == .commandNotAllowed)
        #expect(token.pinTries == 3, "no try used")
        #expect(token.info.first(0xC7)?.value == [0x01], "the factory PIN must still be changed")
        #expect(token.send("00200081").statusWord == .verificationFailed(triesLeft: 3), "not verified by the refusal")
        #expect(token.change(TokenHarness.factoryPIN, to: TokenHarness.pin) == .success)
        #expect(token.change(TokenHarness.pin, to: TokenHarness.pin) == .commandNotAllowed)
        #expect(token.pinTries == 3)
        #expect(token.verify(TokenHarness.pin) == .success)
    }

    @Test("UNBLOCK to the blocked PIN's own value is 6900 after a correct PUK, uses no try and changes nothing")
    func unblockToSamePIN() {
        let token = TokenHarness()
        token.select()
        #expect(token.change(TokenHarness.factoryPIN, to: TokenHarness.pin) == .success)
        for _ in 0..<3 { _ = token.verify("000000") }
        let puk = Array(TokenHarness.factoryPUK.utf8), same = Array(TokenHarness.pin.utf8)
        let body = [UInt8(puk.count)] + puk + [UInt8(same.count)] + same
        #expect(token.send(token.apdu("002C0081", body)).statusWord == .commandNotAllowed)
        #expect(token.pukTries == 3, "no PUK try used")
        #expect(token.pinTries == 0, "the PIN stays blocked")
        #expect(token.send("00200081").statusWord == .authenticationMethodBlocked)
        // A wrong PUK with the same value still costs a PUK try and says only 63Cx: no oracle on the PIN.
        let wrong = Array("11111111".utf8)
        #expect(token.send(token.apdu("002C0081", [UInt8(wrong.count)] + wrong + [UInt8(same.count)] + same)).statusWord
                == .verificationFailed(triesLeft: 2))
        let new = Array("13572468".utf8)
        #expect(token.send(token.apdu("002C0081", [UInt8(puk.count)] + puk + [UInt8(new.count)] + new)).statusWord == .success)
        #expect(token.pinTries == 3 && token.pukTries == 3)
    }

    @Test("UNBLOCK: the PUK sets a new PIN, resets the tries, clears must-change, leaves it verified")
    func unblock() {
        let token = TokenHarness()
        token.select()
        for _ in 0..<3 { _ = token.verify("000000") }
        let puk = Array(TokenHarness.factoryPUK.utf8), new = Array(TokenHarness.pin.utf8)
        #expect(token.send(token.apdu("002C0081", [UInt8(puk.count)] + puk + [UInt8(new.count)] + new)).statusWord == .success)
        #expect(token.pinTries == 3 && token.pukTries == 3)
        #expect(token.info.first(0xC7)?.value == [0x00])
        #expect(token.send("00200081").statusWord == .success)
        #expect(token.generate(.authentication).count > 128, "an unblocked token can use its keys")
    }

    @Test("a wrong PUK counts down its own counter to 6983; then the token stays blocked")
    func wrongPUK() {
        let token = TokenHarness()
        token.select()
        let wrong = Array("11111111".utf8), new = Array(TokenHarness.pin.utf8)
        let body = [UInt8(wrong.count)] + wrong + [UInt8(new.count)] + new
        #expect(token.send(token.apdu("002C0081", body)).statusWord == .verificationFailed(triesLeft: 2))
        #expect(token.send(token.apdu("002C0081", body)).statusWord == .verificationFailed(triesLeft: 1))
        #expect(token.send(token.apdu("002C0081", body)).statusWord == .authenticationMethodBlocked)
        #expect(token.pinTries == 3, "the PUK's tries are its own")
        let puk = Array(TokenHarness.factoryPUK.utf8)
        #expect(token.send(token.apdu("002C0081", [UInt8(puk.count)] + puk + [UInt8(new.count)] + new)).statusWord
                == .authenticationMethodBlocked)
    }

    @Test("reset and power-off clear the verified PIN; SELECT does not")
    func securityStateIsVolatile() {
        let token = TokenHarness()
        token.personalize(.authentication)
        token.select()
        #expect(token.send("00200081").statusWord == .success, "re-SELECT keeps the PIN verified")
        token.card.reset()
        token.select()
        #expect(token.send("00200081").statusWord == .verificationFailed(triesLeft: 3))
        let digest = TestRSA.sha256DigestInfoPrefix + [UInt8](repeating: 1, count: 32)
        #expect(token.send(token.apdu("002A9E9A", digest, le: true)).statusWord == .securityStatusNotSatisfied)
        #expect(token.verify(TokenHarness.pin) == .success)
        token.powerCycle()
        token.select()
        #expect(token.send("00200081").statusWord == .verificationFailed(triesLeft: 3))
    }
}
