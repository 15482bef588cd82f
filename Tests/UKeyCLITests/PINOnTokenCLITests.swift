import Foundation
import PCSCTestSupport
import Testing

/// `ukey token pin verify` with the PIN typed on the token, the holder being `ukey emulator
/// type` with `UKEY_PIN` (never argv). On a private emulator and pcscd of their own
/// (``PINPolicyOnTokenCLITests/withStack(_:)``): a token waiting for its keypad is busy, so
/// sharing one with other suites that run at the same time would stall theirs.
@Suite("ukey token pin verify on the token's keypad", .serialized, .enabled(if: PCSCTestStack.available))
struct PINOnTokenCLITests {
    @Test("no PIN given and a reader with a PIN pad: the token asks; --on-pc without a PIN fails; Cancel is pinEntryCancelled")
    func verifyOnToken() async throws {
        try await PINPolicyOnTokenCLITests.withStack { run, _, state in
            try await Self.verifyOnToken(run, state)
        }
    }

    static func verifyOnToken(_ run: @escaping @Sendable ([String], [String: String]) throws -> TestProcess.Output,
                              _ state: String) async throws {
        let reader = ["--reader", "UKey 1-1"]
        @Sendable func ukey(_ arguments: [String], _ extra: [String: String] = [:]) throws -> TestProcess.Output {
            try run(arguments, extra)
        }
        /// `ukey emulator type` until the token takes the keys (it refuses while not waiting).
        @Sendable func type(_ arguments: [String], _ extra: [String: String] = [:]) throws -> TestProcess.Output {
            var last: TestProcess.Output? = nil
            // A hang guard, not a time limit: under a full parallel run a command can take long
            // to reach the keypad.
            let deadline = Date().addingTimeInterval(300)
            while Date() < deadline {
                let out = try ukey(["emulator", "type", "--state", state, "--token", "1-1"] + arguments, extra)
                if out.status == 0 { return out }
                last = out
                usleep(100_000)
            }
            throw StackError("ukey emulator type never succeeded: \(String(describing: last))")
        }

        let verified = BackgroundWork { try ukey(["token", "pin", "verify", "--json", "--trace"] + reader) }
        let typed = try await PCSCTestStack.blocking { try type([], ["UKEY_PIN": PCSCTestStack.factoryPIN]) }
        let output = try await verified.value
        #expect(output.status == 0, "\(output)")
        #expect(output.stdout.contains(#""result" : "verified""#), "\(output)")
        #expect(output.stderr.contains("Type the PIN on the token's keypad"), "\(output)")
        #expect(output.stderr.contains("pin pad FEATURE_VERIFY_PIN_DIRECT"), "--trace shows the PIN pad step: \(output)")
        #expect(!(output.stdout + output.stderr + typed.stdout + typed.stderr).contains(PCSCTestStack.factoryPIN),
                "the PIN is in no output, --trace included")

        let pivVerified = BackgroundWork { try ukey(["piv", "pin", "verify", "--json"] + reader) }
        _ = try await PCSCTestStack.blocking { try type([], ["UKEY_PIN": PCSCTestStack.factoryPIVPIN]) }
        let pivOutput = try await pivVerified.value
        #expect(pivOutput.status == 0 && pivOutput.stderr.contains("PIV PIN on the token's keypad"), "ukey piv pin verify: \(pivOutput)")

        let cancelled = BackgroundWork { try ukey(["token", "pin", "verify", "--on-token", "--json"] + reader) }
        _ = try await PCSCTestStack.blocking { try type(["--cancel"]) }
        let cancelOutput = try await cancelled.value
        #expect(cancelOutput.status != 0)
        #expect(cancelOutput.stdout.contains("pinEntryCancelled"), "\(cancelOutput)")

        let refused = try ukey(["emulator", "type", "--state", state, "--token", "1-1", "--keys", "1,2,ok"])
        #expect(refused.status != 0 && refused.stderr.contains("never the command line"), "digits never on argv: \(refused)")
        let onPC = try ukey(["token", "pin", "verify", "--on-pc"] + reader, ["UKEY_PIN": PCSCTestStack.factoryPIN])
        #expect(onPC.status == 0, "--on-pc sends the PIN as before: \(onPC)")
    }
}
