import Foundation
import PCSCTestSupport
import Testing

extension CLIOnTokenTests {
    static let atrHex = PCSCTestStack.atr.map { String(format: "%02X", $0) }.joined()

    @Test("readers --watch --json --reader prints JSON lines as they happen: its reader, then the card leaving and coming back")
    func watchReaders() async throws {
        let stack = try await PCSCTestStack.shared()
        let binary = try EmulatorProcess.binary().path
        let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                           "PCSCLITE_CSOCK_NAME": stack.pcscd.socketPath]
        let watch = try StreamingProcess([binary, "readers", "--watch", "--json"] + CLISession.onToken, environment: environment)
        defer { watch.stop() }
        let reader = stack.reader(CLISession.busid)
        let inserted = #"{"atr":"\#(Self.atrHex)","event":"cardInserted","reader":"\#(reader)"}"#
        let removed = #"{"event":"cardRemoved","reader":"\#(reader)"}"#
        let started = try await PCSCTestStack.blocking { watch.waitForLines(timeout: 20) { $0.contains(inserted) } }
        try #require(started, "the watch reports the card present at the start: \(watch.lines.all)")

        do {
            try await stack.emulatorControl("remove", token: CLISession.busid)
            let sawRemoval = try await PCSCTestStack.blocking { watch.waitForLines(timeout: 15) { $0.contains(removed) } }
            #expect(sawRemoval, "the removal is printed while the watch runs (not held in a buffer): \(watch.lines.all)")
        } catch {
            try? await stack.emulatorControl("insert", token: CLISession.busid)
            throw error
        }
        try await stack.emulatorControl("insert", token: CLISession.busid)
        let sawInsertion = try await PCSCTestStack.blocking {
            watch.waitForLines(timeout: 15) { $0.filter { $0 == inserted }.count == 2 }
        }
        #expect(sawInsertion, "the card coming back is printed with its ATR: \(watch.lines.all)")
        watch.stop()
        try await stack.waitForCard(present: true, token: CLISession.busid)

        let lines = watch.lines.all
        let listing = try JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [[String: Any]]
        #expect(listing?.count == 1 && listing?.first?["name"] as? String == reader
                && listing?.first?["isToken"] as? Bool == true,
                "the first line is the readers --reader picks, as one JSON line: \(lines.first ?? "")")
        #expect(Array(lines.dropFirst()) == [#"{"event":"readerAdded","reader":"\#(reader)"}"#, inserted, removed, inserted],
                "then only token 1-4's events, one JSON object per line (other suites' readers are filtered out)")
    }
}
