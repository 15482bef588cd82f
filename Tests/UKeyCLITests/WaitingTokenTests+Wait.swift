import Foundation
import PCSCTestSupport
import Testing

extension WaitingTokenTests {
    @Test("--wait SECONDS: a token command waits for the token to be inserted, and says so when none comes")
    func waitForInsertion() async throws {
        let session = try await Self.session()
        defer { session.remove() }
        try await session.stack.emulatorControl("remove", token: Self.busid)
        try await session.stack.waitForCard(present: false, token: Self.busid, timeout: 120)
        let (none, noCard, waited) = try await PCSCTestStack.blocking {
            defer { _ = try? session.stack.runEmulatorControl("insert", token: Self.busid, mustSucceed: false) }
            // No token comes: the command gives up after its --wait and names it.
            let none = try TestProcess.run([session.binary, "token", "info", "--wait", "1"] + Self.onToken,
                                           environment: session.environment([:]), timeout: 120)
            let noCard = try TestProcess.run([session.binary, "atr", "--wait", "1"] + Self.onToken,
                                             environment: session.environment([:]), timeout: 120)
            // The token comes while the command waits (120 s is the command's own guard).
            let process = Process()
            process.executableURL = URL(fileURLWithPath: session.binary)
            process.arguments = ["token", "info", "--json", "--wait", "120"] + Self.onToken
            process.environment = session.environment([:])
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            try session.stack.runEmulatorControl("insert", token: Self.busid)
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (none, noCard, (status: process.terminationStatus, stdout: text))
        }
        #expect(none.status != 0 && none.stderr.contains("no UKey token in reader \"UKey 1-6\" within 1 s (--wait)"), "\(none)")
        #expect(noCard.status != 0 && noCard.stderr.contains("no card in reader \"UKey 1-6\" within 1 s (--wait)"), "\(noCard)")
        #expect(waited.status == 0 && waited.stdout.contains("\"serial\""), "the inserted token answered: \(waited)")
    }

    @Test("token info shows each key's certificate: stored with its subject, or none")
    func infoShowsCertificates() async throws {
        let session = try await Self.session()
        defer { session.remove() }
        let info = try await PCSCTestStack.blocking {
            try TestProcess.run([session.binary, "token", "info", "--json"] + Self.onToken, environment: session.environment([:]), timeout: 120)
        }
        let object = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any]
        let certificates = try #require(object?["certificates"] as? [[String: Any]], "\(info)")
        let transfer = certificates.first { $0["key"] as? String == "transfer" }
        #expect(transfer?["stored"] as? Bool == true && (transfer?["subject"] as? String)?.hasPrefix("CN=Test") == true,
                "the transfer key's certificate (CN=Test, put by the session set-up): \(certificates)")
    }
}
