import Foundation
import PCSCTestSupport
import Testing

/// `ukey shell` on token 1-5 of the shared stack (which the PIV and secret-input tests use without
/// changing its state: a VERIFY with the factory PIN changes nothing).
@Suite("ukey shell", .enabled(if: PCSCTestStack.available))
struct ShellTests {
    @Test("one connection: select, verify (PIN from UKEY_PIN), a PIN-carrying APDU kept out of the history, reset")
    func session() async throws {
        let stack = try await PCSCTestStack.shared()
        let binary = try EmulatorProcess.binary().path
        var template = Array("/tmp/ukey-shell-XXXXXX".utf8CString)
        let directory = String(cString: try #require(mkdtemp(&template)))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let historyFile = directory + "/history"
        let pinHex = PCSCTestStack.factoryPIN.utf8.map { String(format: "%02X", $0) }.joined()
        let input = """
            select F0554B455901
            00CA010000
            verify
            00 20 00 81
            00200081\(String(format: "%02X", PCSCTestStack.factoryPIN.utf8.count))\(pinHex)
            reset
            select F0554B455901
            00200081
            history
            quit
            """
        let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": directory,
                           "PCSCLITE_CSOCK_NAME": stack.pcscd.socketPath, "LANG": "C.UTF-8", "UKEY_PIN": PCSCTestStack.factoryPIN]
        let out = try await PCSCTestStack.blocking {
            try TestProcess.run([binary, "shell", "--reader", "UKey 1-5", "--history", historyFile], environment: environment,
                                input: input, timeout: 120)
        }
        #expect(out.status == 0, "\(out)")
        let lines = out.stdout.split(separator: "\n").map(String.init)
        // GET DATA after SELECT in the same connection answers with the serial (C0 08 …).
        #expect(lines.contains { $0.hasPrefix("< C008") && $0.hasSuffix("9000  normal processing") }, "\(out)")
        // verify: 9000; then VERIFY without data says the PIN is verified (9000) — the state kept
        // between lines — and after reset it is not (63Cx: tries left).
        let verifyStatus = lines.filter { $0.hasPrefix("< ") }.map { String($0.dropFirst(2).prefix(4)) }
        #expect(verifyStatus.count == 7, "seven answers: \(verifyStatus)\n\(out)")
        if verifyStatus.count == 7 {
            #expect(verifyStatus[2] == "9000", "verify with the PIN: \(verifyStatus)")
            #expect(verifyStatus[3] == "9000", "the PIN stays verified on the connection: \(verifyStatus)")
            #expect(verifyStatus[4] == "9000", "a VERIFY typed as hex works too: \(verifyStatus)")
            #expect(verifyStatus[6].hasPrefix("63C"), "after reset (and SELECT again) nothing is verified: \(verifyStatus)")
        }
        #expect(!out.combined.contains(pinHex) && !out.combined.contains(PCSCTestStack.factoryPIN), "no PIN in the output")
        let history = try String(contentsOfFile: historyFile, encoding: .utf8)
        #expect(history == "select F0554B455901\n00CA010000\nverify\nreset\nselect F0554B455901\n",
                "only secret-free lines in the history (every INS 20 line left out): \(history)")
        #expect(lines.contains("1  select F0554B455901") && lines.contains("4  reset") && lines.contains("5  select F0554B455901") && !lines.contains { $0.hasPrefix("6  ") },
                "history lists what the file holds: \(out)")
    }
}
