import Foundation
import PCSCTestSupport
import Testing
import UKeyControl
import UKeyEmulator
#if canImport(Glibc)
import Glibc
#endif

/// What a CI script does with the emulator, as processes: `run --ready-fd 3`, `wait`,
/// `status --token`, `set --confirm`, `reset`, `stop` (issue 15).
@Suite("ukey emulator run --ready-fd, wait, status --token, stop (processes)", .serialized, .tags(.process))
struct EmulatorCICommandsTests {
    /// `ukey ARGUMENTS` to completion (the timeout is a hang guard).
    static func ukey(_ arguments: [String], _ directory: TemporaryDirectory) throws -> TestProcess.Output {
        try TestProcess.run([try EmulatorProcess.binary().path] + arguments,
                            environment: EmulatorProcessTests.environment(directory), timeout: 120)
    }

    @Test("run --ready-fd 3 writes 'ready LISTENERS' once serving; wait, status --token, set, reset, stop work on it")
    func readyWaitStop() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = directory.file("state")
        let binary = try EmulatorProcess.binary().path
        // The shell gives the emulator descriptor 3 = our pipe's write end (its stdout), and the
        // emulator's own stdout and stderr go to files.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", #"exec "$0" emulator run --state "$1" --listen 127.0.0.1:0 --tokens 2 --confirm external --ready-fd 3 3>&1 1>"$2" 2>&1"#,
                             binary, state, directory.file("emulator.log")]
        process.environment = EmulatorProcessTests.environment(directory)
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        // The ready line, or end of file if the emulator failed: reading is the wait.
        let ready = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let log = { (try? String(contentsOfFile: directory.file("emulator.log"), encoding: .utf8)) ?? "" }
        try #require(ready.hasPrefix("ready 127.0.0.1:") && ready.hasSuffix("\n"), "the ready line: \(ready)\n\(log())")
        #expect(!ready.hasSuffix(":0\n"), "the real port")

        let waited = try Self.ukey(["emulator", "wait", "--state", state, "--timeout", "60"], directory)
        #expect(waited.status == 0, "wait: \(waited)")

        let one = try Self.ukey(["emulator", "status", "--state", state, "--token", "1-2", "--json"], directory)
        let reply = try ControlLine.decode(ControlReply.self, from: Array(one.stdout.utf8.prefix { $0 != 0x0A }))
        guard case .status(let status) = reply else { Issue.record("status --token: \(one)"); return }
        #expect(status.tokens.map(\.busid) == ["1-2"], "status --token 1-2 shows token 1-2 only")
        let text = try Self.ukey(["emulator", "status", "--state", state, "--token", "1-2"], directory)
        #expect(text.stdout.contains("token 1-2") && !text.stdout.contains("token 1-1"), "\(text)")
        let none = try Self.ukey(["emulator", "status", "--state", state, "--token", "1-9"], directory)
        #expect(none.status == 1 && none.stderr.contains("no token 1-9"), "\(none)")

        let set = try Self.ukey(["emulator", "set", "--confirm", "approve", "--state", state], directory)
        #expect(set.status == 0 && set.stdout.contains("confirm approve"), "\(set)")
        let bad = try Self.ukey(["emulator", "set", "--confirm", "sometimes", "--state", state], directory)
        #expect(bad.status != 0 && bad.stderr.contains("--confirm must be"), "\(bad)")

        let reset = try Self.ukey(["emulator", "reset", "--token", "1-1", "--state", state], directory)
        #expect(reset.status == 0 && reset.stdout.contains("1-1: reset, serial"), "\(reset)")

        let stop = try Self.ukey(["emulator", "stop", "--state", state], directory)
        #expect(stop.status == 0 && stop.stdout.contains("stopping"), "\(stop)")
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "the emulator exited cleanly:\n\(log())")
        #expect(access(state + "/control.sock", F_OK) != 0, "control.sock removed")
        #expect(log().contains("stop requested on the control socket"))

        let gone = try Self.ukey(["emulator", "wait", "--state", state, "--timeout", "0.3"], directory)
        #expect(gone.status == 1 && gone.stderr.contains("no emulator answered within 0.3 s"), "wait without an emulator: \(gone)")
        let stopAgain = try Self.ukey(["emulator", "stop", "--state", state], directory)
        #expect(stopAgain.status == 1 && stopAgain.stderr.contains("no emulator answers"), "\(stopAgain)")
    }

    @Test("run --ready-fd: a failed start closes the descriptor without a ready line")
    func readyFDOnFailure() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // --tokens 0 is refused by the emulator after parsing.
        process.arguments = ["-c", #"exec "$0" emulator run --state "$1" --listen 127.0.0.1:0 --tokens 0 --ready-fd 3 3>&1 1>/dev/null 2>&1"#,
                             try EmulatorProcess.binary().path, directory.file("state")]
        process.environment = EmulatorProcessTests.environment(directory)
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text.isEmpty, "no ready line: \(text)")
        #expect(process.terminationStatus == 1)
    }
}
