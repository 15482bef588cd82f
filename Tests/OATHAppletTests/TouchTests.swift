import CardOS
import HostPlatform
import ISO7816
import OATHProtocol
import Testing

/// "Require touch": CALCULATE waits for the holder's OK on the token ("OTP for NAME? OK").
@Suite struct TouchTests {
    static func calculate(_ token: OATHHarness, _ name: String) -> CardOutput {
        token.card.process(token.command(0xA2, p2: 0x01, TLV(tag: 0x71, value: Array(name.utf8)).bytes
                                         + TLV(tag: 0x74, value: OATHHarness.bigEndian(59 / 30)).bytes))
    }

    @Test func okAnswersTheCode() {
        let token = OATHHarness()
        token.select()
        #expect(token.put("Bank:me", digits: 8, key: OTPVectorTests.seed(.sha1), touch: true) == .success)
        #expect(TouchTests.calculate(token, "Bank:me") == .waiting)
        #expect(token.card.screen?.lines == ["OTP for", ">Bank:me", "? OK"])
        guard let answer = token.card.press(.ok) else { Issue.record("OK did not complete"); return }
        #expect(OATHHarness.format(Array(answer.dropLast(2))) == "94287082")
        #expect(Array(answer.suffix(2)) == [0x90, 0x00])
    }

    @Test func timeOutAndCancelAre6982() {
        let token = OATHHarness(confirmationTimeout: 1000)
        token.select()
        token.put("t", key: OTPVectorTests.seed(.sha1), touch: true)
        #expect(TouchTests.calculate(token, "t") == .waiting)
        token.platform.clock.advance(by: 1000)
        #expect(token.card.poll() == [0x69, 0x82])
        #expect(TouchTests.calculate(token, "t") == .waiting)
        #expect(token.card.press(.cancel) == [0x69, 0x82])
    }

    @Test func screenShowsOnlyAllowedScalars() {
        let token = OATHHarness()
        token.select()
        token.put("a>b\u{202E}c", key: OTPVectorTests.seed(.sha1), touch: true)
        #expect(TouchTests.calculate(token, "a>b\u{202E}c") == .waiting)
        #expect(token.card.screen?.lines == ["OTP for", ">a?b?c", "? OK"])
    }
}
