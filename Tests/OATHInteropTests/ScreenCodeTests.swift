import Foundation
import PCSCTestSupport
import Testing

/// `ukey emulator press otp`: the holder reads a code on the token's screen, from the real-time
/// clock the emulator set at start; the code equals oathtool's.
extension YkmanTests {
    @Test func pressOTPShowsTheCodeOnTheScreen() async throws {
        try await Self.withStack { stack in
            try Self.ykman(OATHTools.debian, stack, ["oath", "reset", "-f"])
            let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            try Self.ukey(stack, ["otp", "add", "--issuer", "Bank", "me", "--secret-fd", "0"], input: secret + "\n")
            let state = ["--token", "1-1", "--state", stack.directory + "/state"]
            let before = try Self.oathtool(["--totp", "-b", secret])
            let pressed = try stack.ukey(["emulator", "press", "otp", "--account", "Bank:me"] + state)
            #expect(pressed.status == 0, "\(pressed)")
            let status = try stack.ukey(["emulator", "status"] + state)
            let after = try Self.oathtool(["--totp", "-b", secret])
            let screen = status.stdout.split(separator: "\n").filter { $0.contains("│") }.map { String($0.split(separator: "│").last ?? "") }
            #expect(screen.first == "OTP" && screen.contains(">Bank:me"), "\(status)")
            #expect([before, after].map { ">" + $0 }.contains(screen.last ?? ""), "\(status)")
            let missing = try stack.ukey(["emulator", "press", "otp", "--account", "nobody"] + state)
            #expect(missing.status != 0)
            #expect(missing.combined.contains("no OATH account"), "\(missing)")
        }
    }
}
