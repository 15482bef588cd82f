import Foundation
import PCSCTestSupport
import Testing

/// Where `ukey` takes a PIN from besides the environment: a file descriptor (`--pin-fd`) and the
/// terminal (a prompt with echo off). The PIN given is of the wrong format on purpose: the card
/// refuses it without using a try (so the token's state does not matter), and the refusal
/// proves the secret reached the card.
@Suite("ukey reads secrets from a file descriptor and from the terminal", .enabled(if: PCSCTestStack.available))
struct SecretInputTests {
    static let notAPIN = "abcdefgh"

    @Test("--pin-fd 3 reads the PIN from descriptor 3")
    func fileDescriptor() async throws {
        let stack = try await PCSCTestStack.shared()
        let binary = try EmulatorProcess.binary().path
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ukey-pinfd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pinFile = directory.appendingPathComponent("pin").path
        _ = FileManager.default.createFile(atPath: pinFile, contents: Data((Self.notAPIN + "\n").utf8), attributes: [.posixPermissions: 0o600])
        let out = try await PCSCTestStack.blocking {
            try TestProcess.run(["/bin/sh", "-c", "exec \"$0\" token pin verify --reader 'UKey 1-5' --pin-fd 3 3<\"$1\"", binary, pinFile],
                                environment: Self.environment(stack), timeout: 30)
        }
        #expect(out.status == 1, "\(out)")
        #expect(out.stderr == "ukey: a PIN is 6–16 digits and a PUK 8–16 digits; no try was used\n", "\(out)")
        #expect(!out.combined.contains(Self.notAPIN))
    }

    /// `--on-pc`: without a PIN source the default is now the token's keypad (the readers of our
    /// driver have one); these tests are about typing on this computer.
    @Test("without UKEY_PIN or --pin-fd, --on-pc asks the PIN on the terminal with echo off")
    func terminalPrompt() async throws {
        let stack = try await PCSCTestStack.shared()
        let binary = try EmulatorProcess.binary().path
        let script = try #require(Bundle.module.url(forResource: "pty_run", withExtension: "py", subdirectory: "Scripts")).path
        let out = try await PCSCTestStack.blocking {
            try TestProcess.run(["/usr/bin/python3", script, "PIN: ", "--answer", Self.notAPIN, "--", binary, "token", "pin", "verify",
                                 "--on-pc", "--reader", "UKey 1-5"], environment: Self.environment(stack), timeout: 60)
        }
        #expect(out.status == 0, "the prompt came: \(out)")
        #expect(out.stdout.contains("PIN: "), "\(out)")
        #expect(out.stdout.contains("a PIN is 6–16 digits"), "the typed PIN reached the card: \(out)")
        #expect(!out.stdout.contains(Self.notAPIN), "the terminal did not echo the PIN: \(out)")
        #expect(out.stdout.hasSuffix("\necho on\nexit 1\n"), "echo is back on and the command failed on the bad PIN: \(out)")
    }

    @Test("with no terminal and no PIN source, --on-pc gives one clear line and exit 1")
    func noSource() async throws {
        let stack = try await PCSCTestStack.shared()
        let binary = try EmulatorProcess.binary().path
        let out = try await PCSCTestStack.blocking {
            try TestProcess.run(["/usr/bin/setsid", "--wait", binary, "token", "pin", "verify", "--on-pc", "--reader", "UKey 1-5"],
                                environment: Self.environment(stack), timeout: 30)
        }
        #expect(out.status == 1)
        #expect(out.stderr == "ukey: no PIN: pass it on a file descriptor (--pin-fd N), in UKEY_PIN, or run on a terminal\n", "\(out)")
    }

    /// The stack's pcscd and nothing that carries a secret.
    static func environment(_ stack: PCSCTestStack) -> [String: String] {
        ["PCSCLITE_CSOCK_NAME": stack.pcscd.socketPath, "PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
    }
}

extension SecretInputTests {
    @Test("Ctrl-C at the PIN prompt: the command ends and the terminal echoes again")
    func interruptAtPrompt() async throws {
        let stack = try await PCSCTestStack.shared()
        let binary = try EmulatorProcess.binary().path
        let script = try #require(Bundle.module.url(forResource: "pty_run", withExtension: "py", subdirectory: "Scripts")).path
        let out = try await PCSCTestStack.blocking {
            try TestProcess.run(["/usr/bin/python3", script, "PIN: ", "--interrupt", "--", binary, "token", "pin", "verify", "--on-pc", "--reader", "UKey 1-5"],
                                environment: Self.environment(stack), timeout: 300)
        }
        #expect(out.stdout.contains("PIN: "), "the prompt came: \(out)")
        #expect(out.stdout.contains("\necho on\n"), "echo is back on after Ctrl-C at the prompt: \(out)")
        #expect(out.stdout.hasSuffix("exit -2\n"), "the command ended by SIGINT: \(out)")
    }
}
