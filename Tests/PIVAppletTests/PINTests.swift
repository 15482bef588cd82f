import CardOS
import HostPlatform
import ISO7816
import PIVApplet
import Testing

/// The PIV PIN (80) and PUK (81): formats, counters committed before the comparison, blocking,
/// reset retry counter, log out.
@Suite("PIV applet: PIN and PUK")
struct PINTests {
    @Test("VERIFY: status 63C3, a wrong PIN 63C2, the right one 9000, status 9000, log out")
    func verify() {
        let token = PIVHarness()
        _ = token.selectPIV()
        #expect(token.pinStatus == .verificationFailed(triesLeft: 3))
        #expect(token.verify("654321") == .verificationFailed(triesLeft: 2))
        #expect(token.verify() == .success)
        #expect(token.pinStatus == .success)
        #expect(token.send("0020FF80").statusWord == .success)
        #expect(token.pinStatus == .verificationFailed(triesLeft: 3))
    }

    @Test("Lc=0 with Le (`00 20 00 80 00`) also asks the state")
    func statusWithLe() {
        let token = PIVHarness()
        _ = token.selectPIV()
        #expect(token.send("0020008000").statusWord == .verificationFailed(triesLeft: 3))
    }

    @Test("A PIN of the wrong format costs no try: 6A80 or 6700")
    func format() {
        let token = PIVHarness()
        _ = token.selectPIV()
        #expect(token.send(token.apdu("00200080", PIVHarness.padded("12345"))).statusWord == .wrongData)    // 5 digits
        #expect(token.send(token.apdu("00200080", PIVHarness.padded("12a456"))).statusWord == .wrongData)   // not a digit
        #expect(token.send(token.apdu("00200080", Array("123456".utf8) + [0xFF, 0x31])).statusWord == .wrongData)  // bad padding
        #expect(token.send(token.apdu("00200080", Array("123456".utf8))).statusWord == .wrongLength)       // not padded
        #expect(token.pinStatus == .verificationFailed(triesLeft: 3))
    }

    @Test("Three wrong PINs block it; the PUK resets it and the PIN is not verified afterwards")
    func blockAndReset() {
        let token = PIVHarness()
        _ = token.selectPIV()
        #expect(token.verify("000000") == .verificationFailed(triesLeft: 2))
        #expect(token.verify("000000") == .verificationFailed(triesLeft: 1))
        #expect(token.verify("000000") == .authenticationMethodBlocked)
        #expect(token.verify() == .authenticationMethodBlocked)
        let wrongPUK = PIVHarness.padded("00000000") + PIVHarness.padded("246810")
        #expect(token.send(token.apdu("002C0080", wrongPUK)).statusWord == .verificationFailed(triesLeft: 2))
        let reset = PIVHarness.padded(PIVHarness.puk) + PIVHarness.padded("246810")
        #expect(token.send(token.apdu("002C0080", reset)).statusWord == .success)
        #expect(token.pinStatus == .verificationFailed(triesLeft: 3))
        #expect(token.verify(PIVHarness.pin) == .verificationFailed(triesLeft: 2))
        #expect(token.verify("246810") == .success)
    }

    @Test("CHANGE REFERENCE of the PIN and of the PUK")
    func change() {
        let token = PIVHarness()
        _ = token.selectPIV()
        let changePIN = PIVHarness.padded(PIVHarness.pin) + PIVHarness.padded("13572468")
        #expect(token.send(token.apdu("00240080", changePIN)).statusWord == .success)
        #expect(token.pinStatus == .success)
        #expect(token.verify(PIVHarness.pin) == .verificationFailed(triesLeft: 2))
        #expect(token.verify("13572468") == .success)
        let changePUK = PIVHarness.padded(PIVHarness.puk) + PIVHarness.padded("87878787")
        #expect(token.send(token.apdu("00240081", changePUK)).statusWord == .success)
        let oldPUK = PIVHarness.padded(PIVHarness.puk) + PIVHarness.padded("111111")
        #expect(token.send(token.apdu("002C0080", oldPUK)).statusWord == .verificationFailed(triesLeft: 2))
        let newPUK = PIVHarness.padded("87878787") + PIVHarness.padded("111111")
        #expect(token.send(token.apdu("002C0080", newPUK)).statusWord == .success)
    }

    @Test("A wrong PIN's try is committed before the comparison: power loss never gives it back")
    func tryCommittedFirst() {
        for cut in 0...2 {
            let token = PIVHarness()
            _ = token.selectPIV()
            token.memory.cutPower(atWrite: cut)
            let answer = token.verify("000000")
            token.powerCycle()
            _ = token.selectPIV()
            let status = token.pinStatus
            // Cut before the try's commit: the comparison never ran (no answer: power is gone) and
            // nothing changed. Otherwise the try is gone for good.
            if answer == StatusWord(0x0000) {
                #expect(status == .verificationFailed(triesLeft: 3), "cut at write \(cut)")
            } else {
                #expect(answer == .verificationFailed(triesLeft: 2))
                #expect(status == .verificationFailed(triesLeft: 2), "cut at write \(cut)")
            }
        }
    }

    @Test("The PIV PIN is not the banking PIN: each has its own counter")
    func separateCounters() {
        let token = PIVHarness()
        _ = token.selectPIV()
        #expect(token.verify("000000") == .verificationFailed(triesLeft: 2))
        #expect(token.selectBanking() == .success)
        #expect(token.send("00200081").statusWord == .verificationFailed(triesLeft: 3))
    }
}
