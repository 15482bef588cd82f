import Foundation
import PCSCTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension WaitingTokenTests {
    @Test("Ctrl-C on a waiting transfer sign with --state ends the confirmation on the token within 2 s; another client then uses it")
    func interruptWithControlSocket() async throws {
        let session = try await Self.session()
        defer { session.remove() }
        let (elapsed, status, info, message, before, after) = try await PCSCTestStack.blocking {
            let before = try Self.transferCounter(session)  // (while the token waits, token info would wait too)
            let sign = try Self.startWaitingSign(session, extra: ["--state", session.stack.stateDirectory])
            defer {
                _ = try? session.stack.runEmulatorControl("press", ["cancel"], token: Self.busid, mustSucceed: false)
                sign.stop()
            }
            kill(sign.process.processIdentifier, SIGINT)
            let interrupted = Date()
            while try Self.isWaiting(session.stack), Date().timeIntervalSince(interrupted) < 5 { usleep(50_000) }
            let elapsed = Date().timeIntervalSince(interrupted)
            let status = try session.stack.runEmulatorControl("status", token: Self.busid).stdout
            let info = try TestProcess.run([session.binary, "token", "info"] + Self.onToken, environment: session.environment([:]),
                                           timeout: 10, throwOnTimeout: false)
            if info.timedOut {  // only before the fix: end the confirmation
                _ = try? session.stack.runEmulatorControl("press", ["cancel"], token: Self.busid, mustSucceed: false)
            }
            sign.stop()
            return (elapsed, status, info, sign.standardError, before, try Self.transferCounter(session))
        }
        #expect(elapsed < 2, "the token stopped waiting \(elapsed) s after SIGINT")
        #expect(status.contains("│cancelled by") && status.contains("│the computer"), "the screen says why: \(status)")
        #expect(!info.timedOut && info.status == 0, "another client uses the token at once: \(info)")
        #expect(message.contains("the transfer was cancelled on the token"), "\(message)")
        #expect(before != nil && after == before, "nothing was signed")
    }

    @Test("Ctrl-C on a waiting transfer sign without a control socket says, on one line, that the token still shows the transfer")
    func interruptWithoutControlSocket() async throws {
        let session = try await Self.session()
        defer { session.remove() }
        let (ended, message, stillWaiting) = try await PCSCTestStack.blocking {
            let sign = try Self.startWaitingSign(session, environment: ["UKEY_STATE": ""])
            defer {
                _ = try? session.stack.runEmulatorControl("press", ["cancel"], token: Self.busid, mustSucceed: false)
                sign.stop()
            }
            kill(sign.process.processIdentifier, SIGINT)
            let deadline = Date().addingTimeInterval(5)
            while ChildProcesses.isRunning(sign.process), Date() < deadline { usleep(50_000) }
            let ended = !ChildProcesses.isRunning(sign.process)
            sign.stop()
            return (ended, sign.standardError, try Self.isWaiting(session.stack))
        }
        #expect(ended, "the command ends at once")
        let lines = message.split(separator: "\n").filter { $0.hasPrefix("ukey: interrupted") }
        #expect(lines.count == 1 && lines[0].contains("still shows the transfer until the holder presses Cancel or 120 s pass"),
                "\(message)")
        #expect(stillWaiting, "the token still waits (nothing can end it through PC/SC)")
    }
}
