import Foundation
import PCSCTestSupport
import Testing

/// `ukey token pin policy`, `ukey token pin unblock --on-token` and `ukey piv pin change
/// --on-token` on a private emulator and pcscd of their own (they change the token's PINs and
/// policy, so not on the shared stack), the holder being `ukey emulator type` with `UKEY_PIN`
/// (never argv).
@Suite("ukey token pin policy, unblock and PIV change on the token's keypad", .serialized, .enabled(if: PCSCTestStack.available))
struct PINPolicyOnTokenCLITests {
    static let newPIN = "24681357"

    /// One token (1-1) behind a private pcscd, stopped even on failure.
    static func withStack(_ body: @Sendable (_ ukey: @escaping @Sendable ([String], [String: String]) throws -> TestProcess.Output,
                                            _ type: @escaping @Sendable (String) throws -> Void,
                                            _ state: String) async throws -> Void) async throws {
        var template = Array("/tmp/ukey-pinpolicy-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw StackError("mkdtemp failed") }
        let directory = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let emulator = try EmulatorProcess(arguments: ["--state", directory + "/state", "--listen", "127.0.0.1:0", "--tokens", "1",
                                                       "--confirm", "external"],
                                           environment: ["UKEY_FACTORY_PIN": PCSCTestStack.factoryPIN, "UKEY_FACTORY_PUK": PCSCTestStack.factoryPUK,
                                                         "UKEY_FACTORY_PIV_PIN": PCSCTestStack.factoryPIVPIN,
                                                         "UKEY_FACTORY_PIV_PUK": PCSCTestStack.factoryPIVPUK,
                                                         "UKEY_FACTORY_MGMKEY": PCSCTestStack.factoryManagementKey, "HOME": directory, "PATH": path],
                                           listeners: 1)
        defer { emulator.kill() }
        let pcscd = try PCSCDHarness(readers: [PCSCDHarness.ReaderEntry(friendlyName: "UKey 1-1", deviceName: "usbip:\(emulator.addresses[0])/1-1",
                                                                        libraryPath: EmulatorProcess.driverLibrary!)])
        defer { pcscd.stop() }
        let binary = try EmulatorProcess.binary().path
        let environment = ["PATH": path, "HOME": directory, "PCSCLITE_CSOCK_NAME": pcscd.socketPath, "COLUMNS": "80", "LANG": "C.UTF-8"]
        let ukey: @Sendable ([String], [String: String]) throws -> TestProcess.Output = { arguments, extra in
            try TestProcess.run([binary] + arguments, environment: environment.merging(extra) { $1 }, timeout: 300)
        }
        // `ukey emulator type` until the token takes the keys (it refuses while not waiting).
        let type: @Sendable (String) throws -> Void = { digits in
            var last: TestProcess.Output? = nil
            // A hang guard, not a time limit: under a full parallel run a command can take long
            // to reach the keypad.
            let deadline = Date().addingTimeInterval(300)
            while Date() < deadline {
                let out = try ukey(["emulator", "type", "--state", directory + "/state", "--token", "1-1"], ["UKEY_PIN": digits])
                if out.status == 0 { return }
                last = out
                usleep(100_000)
            }
            throw StackError("ukey emulator type never succeeded: \(String(describing: last))")
        }
        var ready: TestProcess.Output? = nil
        for _ in 0..<150 {
            ready = try ukey(["token", "info", "--json", "--reader", "UKey 1-1"], [:])
            if ready?.status == 0 { break }
            usleep(100_000)
        }
        #expect(ready?.status == 0, "the token behind the private pcscd: \(String(describing: ready))\n\(pcscd.log.suffix(2000))")
        try await body(ukey, type, directory + "/state")
    }

    @Test("policy keypad-only with UKEY_PUK; the PIN from the computer is then refused; back to both with the PUK typed on the keypad")
    func policy() async throws {
        try await Self.withStack { ukey, type, _ in
            let set = try ukey(["token", "pin", "policy", "keypad-only", "--json"], ["UKEY_PUK": PCSCTestStack.factoryPUK])
            #expect(set.status == 0 && set.stdout.contains(#""pinEntry" : "keypad-only""#), "\(set)")
            let info = try ukey(["token", "info"], [:])
            #expect(info.stdout.contains("keypad only"), "ukey token info shows the policy: \(info)")
            let onPC = try ukey(["token", "pin", "verify", "--on-pc", "--json"], ["UKEY_PIN": PCSCTestStack.factoryPIN])
            #expect(onPC.status != 0, "keypad-only refuses the PIN typed on the computer: \(onPC)")
            // Its own error, not the holder's Cancel (userDenied, "the holder refused the transfer").
            let keypadOnly = "this token takes its PIN on its own keypad only: use --on-token"
            #expect(onPC.stdout.contains(#""error" : "pinEntryKeypadOnly""#) && onPC.stderr == "ukey: \(keypadOnly)\n", "\(onPC)")
            let onPCText = try ukey(["token", "pin", "verify", "--on-pc"], ["UKEY_PIN": PCSCTestStack.factoryPIN])
            #expect(onPCText.status == 1 && onPCText.stderr == "ukey: \(keypadOnly)\n" && !onPCText.stderr.contains("refused the transfer"),
                    "\(onPCText)")
            let changeOnPC = try ukey(["token", "pin", "change", "--on-pc"], ["UKEY_PIN": PCSCTestStack.factoryPIN, "UKEY_NEW_PIN": Self.newPIN])
            #expect(changeOnPC.status == 1 && changeOnPC.stderr == "ukey: \(keypadOnly)\n", "CHANGE from the computer: \(changeOnPC)")
            let viaPC = try ukey(["token", "pin", "policy", "both", "--on-pc", "--json"], ["UKEY_PUK": PCSCTestStack.factoryPUK])
            #expect(viaPC.status != 0, "and the PUK sent from the computer: \(viaPC)")
            #expect(viaPC.stdout.contains(#""error" : "pinEntryKeypadOnly""#), "\(viaPC)")

            let back = BackgroundWork { try ukey(["token", "pin", "policy", "both", "--json"], [:]) }
            try await PCSCTestStack.blocking { try type(PCSCTestStack.factoryPUK) }
            let output = try await back.value
            #expect(output.status == 0 && output.stdout.contains(#""pinEntry" : "both""#), "\(output)")
            #expect(output.stderr.contains("Type the PUK on the token's keypad"), "\(output)")
            #expect(!(set.stdout + set.stderr + output.stdout + output.stderr).contains(PCSCTestStack.factoryPUK), "the PUK is in no output")
            let bad = try ukey(["token", "pin", "policy", "sometimes"], ["UKEY_PUK": PCSCTestStack.factoryPUK])
            #expect(bad.status != 0)
        }
    }

    @Test("unblock on the keypad: the PUK, then the new PIN twice; PIV PIN change on the keypad")
    func unblockAndPIVChange() async throws {
        try await Self.withStack { ukey, type, _ in
            let unblocked = BackgroundWork { try ukey(["token", "pin", "unblock", "--on-token", "--json"], [:]) }
            for digits in [PCSCTestStack.factoryPUK, Self.newPIN, Self.newPIN] { try await PCSCTestStack.blocking { try type(digits) } }
            let output = try await unblocked.value
            #expect(output.status == 0 && output.stdout.contains(#""result" : "unblocked""#), "\(output)")
            let verify = try ukey(["token", "pin", "verify", "--on-pc"], ["UKEY_PIN": Self.newPIN])
            #expect(verify.status == 0, "the PIN typed on the keypad is set: \(verify)")

            let changed = BackgroundWork { try ukey(["piv", "pin", "change", "--json"], [:]) }
            for digits in [PCSCTestStack.factoryPIVPIN, Self.newPIN, Self.newPIN] { try await PCSCTestStack.blocking { try type(digits) } }
            let pivOutput = try await changed.value
            #expect(pivOutput.status == 0 && pivOutput.stderr.contains("new PIV PIN twice"), "\(pivOutput)")
            let pivVerify = try ukey(["piv", "pin", "verify", "--on-pc"], ["UKEY_PIV_PIN": Self.newPIN])
            #expect(pivVerify.status == 0, "the PIV PIN typed on the keypad is set: \(pivVerify)")
            #expect(!(output.stdout + output.stderr + pivOutput.stdout + pivOutput.stderr).contains(Self.newPIN), "no PIN in the output")
        }
    }

    @Test("PIV unblock on the keypad: RESET RETRY COUNTER with the PUK, then the new PIN twice; a wrong PUK counts")
    func pivUnblockOnToken() async throws {
        try await Self.withStack { ukey, type, _ in
            let wrong = try ukey(["piv", "pin", "verify", "--on-pc", "--json"], ["UKEY_PIV_PIN": "99999999"])
            #expect(wrong.status == 1 && wrong.stdout.contains(#""triesLeft" : 2"#), "a wrong PIV PIN uses a try: \(wrong)")

            async let refused = PCSCTestStack.blocking { try ukey(["piv", "pin", "unblock", "--json"], [:]) }
            for digits in ["11112222", Self.newPIN, Self.newPIN] { try await PCSCTestStack.blocking { try type(digits) } }
            let refusedOutput = try await refused
            #expect(refusedOutput.status == 1 && refusedOutput.stdout.contains(#""error" : "wrongPUK""#)
                    && refusedOutput.stdout.contains(#""triesLeft" : 2"#), "a wrong PUK typed on the keypad counts as the PUK's: \(refusedOutput)")

            async let unblocked = PCSCTestStack.blocking { try ukey(["piv", "pin", "unblock", "--json"], [:]) }
            for digits in [PCSCTestStack.factoryPIVPUK, Self.newPIN, Self.newPIN] { try await PCSCTestStack.blocking { try type(digits) } }
            let output = try await unblocked
            #expect(output.status == 0 && output.stdout.contains(#""result" : "unblocked""#), "\(output)")
            #expect(output.stderr.contains("Type the PIV PUK, then the new PIV PIN twice, on the token's keypad"), "\(output)")
            let verify = try ukey(["piv", "pin", "verify", "--on-pc"], ["UKEY_PIV_PIN": Self.newPIN])
            #expect(verify.status == 0, "the PIV PIN typed on the keypad is set and its tries are back: \(verify)")
            let all = output.stdout + output.stderr + refusedOutput.stdout + refusedOutput.stderr
            #expect(!all.contains(Self.newPIN) && !all.contains(PCSCTestStack.factoryPIVPUK), "no PIN or PUK in the output")
        }
    }

    @Test("ukey readers shows the PIN pad of a reader with a token and of an empty one (asked over a direct connection)")
    func readersPINPad() async throws {
        try await Self.withStack { ukey, _, state in
            let withToken = try ukey(["readers"], [:])
            #expect(withToken.status == 0 && withToken.stdout.contains("[UKey token ") && withToken.stdout.contains(", PIN pad]"), "\(withToken)")
            let removed = try ukey(["emulator", "remove", "--state", state, "--token", "1-1"], [:])
            #expect(removed.status == 0, "\(removed)")
            var empty: TestProcess.Output? = nil
            for _ in 0..<100 {
                empty = try ukey(["readers", "--json"], [:])
                if empty?.stdout.contains(#""hasCard" : false"#) == true { break }
                usleep(100_000)
            }
            #expect(empty?.stdout.contains(#""pinPad" : true"#) == true, "\(String(describing: empty))")
            let text = try ukey(["readers"], [:])
            #expect(text.stdout.contains("[empty, PIN pad]"), "\(text)")
        }
    }
}
