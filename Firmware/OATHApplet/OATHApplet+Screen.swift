import BankingProtocol
import CardOS
import ISO7816
import OATHProtocol

extension OATHApplet {
    /// Sets the token's real-time clock (a battery-backed RTC on a chip; the emulator sets it
    /// from the host at start): the monotonic clock cannot give TOTP's wall-clock time. Set to
    /// the millisecond, so that the token's seconds turn with the host's and a code on the
    /// screen is the one the host computes in the same instant.
    public func setRealTime(unixMilliseconds: UInt64) {
        realTime = RealTime(unixMilliseconds: unixMilliseconds, atMilliseconds: platform.clock.milliseconds)
    }

    /// ``setRealTime(unixMilliseconds:)`` at a whole second.
    public func setRealTime(unixSeconds: UInt64) {
        setRealTime(unixMilliseconds: unixSeconds &* 1000)
    }

    /// Unix time now (whole seconds) from the real-time clock, `nil` until it was set.
    var unixTime: UInt64? {
        guard let realTime else { return nil }
        let now = platform.clock.milliseconds
        let elapsed = now >= realTime.atMilliseconds ? now - realTime.atMilliseconds : 0
        return (realTime.unixMilliseconds &+ elapsed) / 1000
    }

    /// The holder picked an account on the token (`name`, or the first one): its code goes on
    /// the screen, the event says only the account's name. TOTP uses the real-time clock and
    /// the period in the name (`60/NAME`); HOTP uses and advances the counter. Refused while an
    /// access key is set (the screen would bypass it), without a clock, or with no such account.
    public func showCode(account name: [UInt8]?) throws(OATHScreenError) {
        guard accessKey == nil else { throw .locked }
        guard let found = name.map({ find($0) }) ?? credentials.first else { throw .noSuchAccount }
        var credential = found.credential
        let message: [UInt8]
        if credential.kind == .totp {
            guard let now = unixTime else { throw .noClock }
            let step = now / OATHCode.period(ofName: credential.name)
            message = (0..<8).reversed().map { UInt8(truncatingIfNeeded: step >> (8 * UInt64($0))) }
        } else {
            message = []
        }
        let mac: [UInt8]
        do { mac = try code(for: &credential, challenge: message) } catch { throw .failed }
        let text = OATHCode.digits(OATHCode.truncate(mac), count: Int(credential.digits))
        let displayName = OATHApplet.displayName(credential.name)
        let pages = DisplayLayout.pages([["OTP"] + ValueLines.wrap(displayName), ["code", ValueLines.wrap(text)[0]]])
        for page in pages { platform.presence.show(page) }
        platform.presence.notify(.otp(account: displayName))
    }
}

/// When the real-time clock was set: Unix time then in milliseconds, and the monotonic clock then.
struct RealTime {
    var unixMilliseconds: UInt64
    var atMilliseconds: UInt64
}

/// Why ``OATHApplet/showCode(account:)`` showed nothing.
public enum OATHScreenError: Error, Hashable, Sendable {
    /// An access key is set: codes go to the computer only, after VALIDATE.
    case locked
    case noSuchAccount
    /// The real-time clock was never set.
    case noClock
    case failed
}
