import Foundation
import PCSCTestSupport
import Testing

/// `ukey` mistakes refused before any card is reached: no pcscd is needed, only the built binary.
@Suite("ukey refuses malformed input with the reason, before reaching a card")
struct CLIUsageTests {
    func ukey(_ arguments: [String], standardInput: String? = nil) throws -> TestProcess.Output {
        let binary = try EmulatorProcess.binary().path
        let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                           "PCSCLITE_CSOCK_NAME": "/nonexistent/pcscd.comm"]
        guard let standardInput else { return try TestProcess.run([binary] + arguments, environment: environment, timeout: 30) }
        return try TestProcess.run(["/bin/sh", "-c", "input=$1; shift; printf '%s' \"$input\" | \"$0\" \"$@\"", binary, standardInput] + arguments,
                                   environment: environment, timeout: 30)
    }

    @Test("--confirm-timeout 0 is refused by a message naming the range the check allows")
    func confirmTimeoutRange() throws {
        for value in ["0", "0.5", "86401"] {
            let out = try ukey(["emulator", "run", "--confirm-timeout", value, "--state", "/nonexistent/ukey"])
            #expect(out.status == 64, "\(out)")
            #expect(out.stderr.contains("--confirm-timeout must be 1…86400 seconds, not \(value)"), "\(out)")
        }
    }
}
