import Foundation
import PCSCTestSupport
import Testing

/// `ukey` commands around a token that waits for its holder, on token 1-6 of the shared
/// ``PCSCTestStack`` (1-4 is the golden session's): the output file of `transfer sign`.
/// Serialized: each test lets the token wait or asks it to. The blocking parts run on threads of
/// their own and return what they saw: the expectations are checked in the test's own context.
@Suite("ukey with a token that waits for the holder (token 1-6)", .serialized, .enabled(if: PCSCTestStack.available))
struct WaitingTokenTests {
    static let busid = "1-6"
    static let onToken = ["--reader", "UKey 1-6"]
    static let pin = ["UKEY_PIN": CLISession.pin]
    static let transfer = ["--payee-account", "6222020200112233", "--payee-name", "Li Si", "--amount", "10.00", "--currency", "CNY"]

    /// A session on token 1-6 with its PIN changed and a transfer key, and a bank in the
    /// session's directory. Idempotent: the token keeps its state between tests.
    static func session() async throws -> CLISession {
        let stack = try await PCSCTestStack.shared()
        let session = try CLISession(stack: stack, token: busid)
        try await PCSCTestStack.blocking {
            let info = try session.run("info", ["token", "info", "--json"] + onToken)
            let object = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any]
            guard let details = object?["info"] as? [String: Any] else { throw StackError("token info: \(info)") }
            if details["pinMustChange"] as? Bool == true {
                let change = try session.run("pin-change", ["token", "pin", "change"] + onToken,
                                             secrets: ["UKEY_PIN": CLISession.factoryPIN, "UKEY_NEW_PIN": CLISession.pin])
                try Self.check(change, "pin change: \(change)")
            }
            if details["transferKey"] as? String == "none" {
                let keygen = try session.runConfirmed("keygen", ["token", "keygen", "--key", "transfer"] + onToken, secrets: pin)
                try Self.check(keygen, "keygen: \(keygen)")
            }
            let bank = try session.run("ca-init", ["ca", "init", "--dir", session.file("bank")])
            try Self.check(bank, "ca init: \(bank)")
            if try session.run("cert-get", ["token", "cert", "get", "--key", "transfer"] + onToken).status != 0 {
                // A transfer is signed only by a token that can show its certificate.
                for (name, arguments, secrets) in [
                    ("pubkey", ["token", "pubkey", "--key", "transfer", "--out", session.file("transfer.pem")] + onToken, [:]),
                    ("csr", ["token", "csr", "--key", "transfer", "--subject", "CN=Test", "--out", session.file("token.csr")] + onToken, pin),
                    ("ca-issue", ["ca", "issue", "--dir", session.file("bank"), "--csr", session.file("token.csr"), "--transfer",
                                  "--transfer-key", session.file("transfer.pem"), "--out", session.file("token.pem")], [:]),
                    ("cert-put", ["token", "cert", "put", "--key", "transfer", session.file("token.pem")] + onToken, pin),
                ] {
                    let step = try session.run(name, arguments, secrets: secrets)
                    try Self.check(step, "\(name): \(step)")
                }
            }
        }
        return session
    }

    /// Throws `message` (a set-up step failed) unless `output` is a success.
    static func check(_ output: TestProcess.Output, _ message: @autoclosure () -> String) throws {
        guard output.status == 0 else { throw StackError(message()) }
    }

    /// A fresh challenge record for a transfer of 10.00 CNY, at `session.file(name)`.
    static func challenge(_ session: CLISession, _ name: String) throws -> String {
        let issued = try session.run("challenge", ["transfer", "challenge", "--bank", session.file("bank")] + transfer
                                     + ["--out", session.file(name)])
        try Self.check(issued, "transfer challenge: \(issued)")
        return session.file(name)
    }

    /// `transferCounter` of `ukey token info --json`.
    static func transferCounter(_ session: CLISession) throws -> Int? {
        let info = try session.run("info", ["token", "info", "--json"] + onToken)
        let object = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any]
        return (object?["info"] as? [String: Any])?["transferCounter"] as? Int
    }

    /// Whether token 1-6 waits for its holder (`ukey emulator status`).
    static func isWaiting(_ stack: PCSCTestStack) throws -> Bool {
        // `status` lists every token (whatever --token says): token 1-6's line.
        try stack.runEmulatorControl("status", token: busid).stdout.split(separator: "\n")
            .contains { $0.hasPrefix("token \(busid) ") && $0.contains("waiting for the holder") }
    }

    /// The temporary files `ukey` left beside its outputs (`.NAME.ukey-…`).
    static func leftovers(_ session: CLISession) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: session.directory).filter { $0.contains(".ukey-") }
    }

    @Test("transfer sign --out in a directory that does not exist fails before the token shows anything; the counter stays")
    func unwritableOutputFailsFirst() async throws {
        let session = try await Self.session()
        defer { session.remove() }
        let (sign, elapsed, before, after) = try await PCSCTestStack.blocking {
            let challenge = try Self.challenge(session, "challenge.json")
            let before = try Self.transferCounter(session)
            let started = Date()
            let sign = try TestProcess.run([session.binary, "transfer", "sign", challenge, "--out", "/nonexistent/x.json"] + Self.onToken,
                                           environment: session.environment(Self.pin), timeout: 60, throwOnTimeout: false)
            let elapsed = Date().timeIntervalSince(started)
            if try Self.isWaiting(session.stack) {  // only before the fix: end the confirmation it started
                _ = try? session.stack.runEmulatorControl("press", ["cancel"], token: Self.busid, mustSucceed: false)
            }
            return (sign, elapsed, before, try Self.transferCounter(session))
        }
        #expect(sign.status != 0 && sign.stderr.contains("cannot write /nonexistent/x.json"), "\(sign)")
        #expect(!sign.combined.contains("press OK"), "the token was never asked: \(sign)")
        #expect(elapsed < 30, "it failed before asking, not after the holder or a timeout (\(elapsed) s; a hang guard)")
        #expect(before != nil && after == before, "the transfer counter did not move")
    }

    @Test("a denied transfer sign leaves an existing --out file as it was; an approved one replaces it; no temporary file stays")
    func deniedLeavesOutputUntouched() async throws {
        let session = try await Self.session()
        defer { session.remove() }
        let out = session.file("signed.json")
        let (denied, afterDenial, leftAfterDenial) = try await PCSCTestStack.blocking {
            try "previous\n".write(toFile: out, atomically: false, encoding: .utf8)
            let denied = try session.runConfirmed("sign-denied", ["transfer", "sign", try Self.challenge(session, "c1.json"), "--out", out]
                                                  + Self.onToken, secrets: Self.pin, button: "cancel")
            return (denied, try String(contentsOfFile: out, encoding: .utf8), try Self.leftovers(session))
        }
        #expect(denied.status != 0, "the holder pressed Cancel: \(denied)")
        #expect(afterDenial == "previous\n", "the existing file is untouched")
        #expect(leftAfterDenial.isEmpty, "no temporary file stays after a denial")

        let (approved, written, leftAfterSigning) = try await PCSCTestStack.blocking {
            let approved = try session.runConfirmed("sign-approved", ["transfer", "sign", try Self.challenge(session, "c2.json"), "--out", out]
                                                    + Self.onToken, secrets: Self.pin)
            return (approved, try String(contentsOfFile: out, encoding: .utf8), try Self.leftovers(session))
        }
        #expect(approved.status == 0, "\(approved)")
        #expect(written.contains("\"signature\""), "the signed transfer replaced the file: \(written)")
        #expect(leftAfterSigning.isEmpty, "no temporary file stays after a signature")
    }
}
