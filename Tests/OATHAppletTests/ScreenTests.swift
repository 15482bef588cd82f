import CardOS
import HostPlatform
import ISO7816
import OATHApplet
import OATHProtocol
import Testing

/// Codes on the token's screen: the real-time clock set from the host, the holder picks an
/// account, the screen shows the code and the event names only the account.
@Suite struct ScreenTests {
    static func codeOnScreen(_ token: OATHHarness) -> String? {
        token.platform.presence.shownScreens.last?.lines.last.map { String($0.dropFirst()) }
    }

    @Test func totpFromTheRealTimeClock() throws {
        let token = OATHHarness()
        token.select()
        token.put("rfc", digits: 8, key: OTPVectorTests.seed(.sha1))
        #expect(throws: OATHScreenError.noClock) { try token.firmware.oath.showCode(account: Array("rfc".utf8)) }
        token.firmware.oath.setRealTime(unixSeconds: 1_111_111_100)
        token.platform.clock.advance(by: 9_000)
        try token.firmware.oath.showCode(account: Array("rfc".utf8))
        #expect(ScreenTests.codeOnScreen(token) == "07081804")
        #expect(token.platform.presence.shownScreens.last?.lines == ["OTP", ">rfc", "code", ">07081804"])
        #expect(token.platform.presence.events.last == .otp(account: "rfc"))
        // The event carries the name only.
        #expect(!token.platform.presence.events.contains { "\($0)".contains("07081804") })
    }

    /// The clock is set to the millisecond: set at 1111111109.999 its step turns 1 ms later, as
    /// the host's does (a clock set in whole seconds lagged up to a second and showed the
    /// previous period's code near a step's edge).
    @Test func theClockTurnsWithTheHostsMilliseconds() throws {
        let token = OATHHarness()
        token.select()
        token.put("rfc", digits: 8, key: OTPVectorTests.seed(.sha1))
        token.firmware.oath.setRealTime(unixMilliseconds: 1_111_111_109_999)
        try token.firmware.oath.showCode(account: Array("rfc".utf8))
        #expect(ScreenTests.codeOnScreen(token) == "07081804")
        token.platform.clock.advance(by: 1)
        try token.firmware.oath.showCode(account: Array("rfc".utf8))
        #expect(ScreenTests.codeOnScreen(token) == "14050471")
    }

    @Test func periodFromTheNameAndHOTPCounter() throws {
        let token = OATHHarness()
        token.select()
        token.put("60/slow", digits: 8, key: OTPVectorTests.seed(.sha1))
        token.put("counter", kind: .hotp, key: OTPVectorTests.hotpSecret)
        token.firmware.oath.setRealTime(unixSeconds: 2 * 59)
        try token.firmware.oath.showCode(account: Array("60/slow".utf8))
        // Step 1 of 60 s is the RFC's T = 59 / 30 = 1 too.
        #expect(ScreenTests.codeOnScreen(token) == "94287082")
        try token.firmware.oath.showCode(account: Array("counter".utf8))
        #expect(ScreenTests.codeOnScreen(token) == "755224")
        #expect(token.code("counter", challenge: []).0 == "287082", "the screen's code advanced the counter")
    }

    @Test func refusals() {
        let token = OATHHarness()
        token.select()
        token.firmware.oath.setRealTime(unixSeconds: 59)
        #expect(throws: OATHScreenError.noSuchAccount) { try token.firmware.oath.showCode(account: nil) }
        token.put("a", key: OTPVectorTests.seed(.sha1))
        #expect(throws: OATHScreenError.noSuchAccount) { try token.firmware.oath.showCode(account: Array("b".utf8)) }
        #expect(AccessKeyTests.setCode(token) == .success)
        #expect(throws: OATHScreenError.locked) { try token.firmware.oath.showCode(account: nil) }
    }
}
