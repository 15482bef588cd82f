import Foundation
import PCSCTestSupport
import Testing

extension WaitingTokenTests {
    /// Starts `ukey transfer sign` on token 1-6 and waits until the token waits for its holder.
    static func startWaitingSign(_ session: CLISession, extra: [String] = [], environment: [String: String] = [:]) throws
        -> StreamingProcess {
        let challenge = try Self.challenge(session, "waiting.json")
        let sign = try StreamingProcess([session.binary, "transfer", "sign", challenge] + extra + Self.onToken,
                                        environment: session.environment(Self.pin).merging(environment) { $1 })
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if try Self.isWaiting(session.stack) { return sign }
            usleep(100_000)
        }
        sign.stop()
        throw StackError("token 1-6 did not start waiting for the holder: \(sign.standardError)")
    }

    @Test("readers answers at once while token 1-6 waits for its holder, and marks its reader busy")
    func readersWhileWaiting() async throws {
        let session = try await Self.session()
        defer { session.remove() }
        let (readers, elapsed, json) = try await PCSCTestStack.blocking {
            let sign = try Self.startWaitingSign(session)
            defer {
                _ = try? session.stack.runEmulatorControl("press", ["cancel"], token: Self.busid, mustSucceed: false)
                sign.stop()
            }
            let started = Date()
            let readers = try TestProcess.run([session.binary, "readers"] + Self.onToken, environment: session.environment([:]),
                                              timeout: 60, throwOnTimeout: false)
            let elapsed = Date().timeIntervalSince(started)
            let json = try TestProcess.run([session.binary, "readers", "--json"] + Self.onToken, environment: session.environment([:]),
                                           timeout: 60, throwOnTimeout: false)
            return (readers, elapsed, json)
        }
        #expect(!readers.timedOut && readers.status == 0 && elapsed < 30, "readers answered (a hang guard: a busy card would block it until the cancel) in \(elapsed) s: \(readers)")
        #expect(readers.stdout.contains("UKey 1-6") && readers.stdout.contains("[busy (in use): card \(CLIOnTokenTests.atrHex)]"),
                "the waiting token's reader is busy, with the ATR from the reader state: \(readers)")
        let listing = try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(listing?.first?["busy"] as? Bool == true && listing?.first?["hasCard"] as? Bool == true, "\(json)")
        #expect(listing?.first?.keys.contains("pinPad") == false, "a busy reader is not asked for its PIN pad: \(json)")

        let after = try await PCSCTestStack.blocking {
            let deadline = Date().addingTimeInterval(60)   // a guard: the holder's decision is the event
            while try Self.isWaiting(session.stack), Date() < deadline { usleep(100_000) }
            return try TestProcess.run([session.binary, "readers"] + Self.onToken, environment: session.environment([:]), timeout: 30)
        }
        #expect(after.stdout.contains("[UKey token ") && after.stdout.contains(", PIN pad]"),
                "once the holder decided, the token is listed again, with its PIN pad: \(after)")
    }
}
