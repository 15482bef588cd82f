import Foundation
import PCSCTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A `ukey` session on token 1-4 (or ``token``) of the ``PCSCTestStack``, run the way a user at a shell runs
/// it: each command is its own process, talking to the stack's pcscd (`PCSCLITE_CSOCK_NAME`),
/// with secrets in environment variables and a private temporary directory for files. Every
/// run is kept as a ``Step``, for the golden files and for the check that no secret was printed.
///
/// Blocking: call it from ``PCSCTestStack/blocking(_:)``, not from the cooperative pool.
final class CLISession: @unchecked Sendable {
    /// One command and what it did.
    struct Step: Sendable {
        /// The golden file's name, without `.txt`.
        let name: String
        /// The command as a user would type it; secrets appear as `UKEY_PIN=***`.
        let commandLine: String
        let output: TestProcess.Output
        /// Whether standard error belongs to the golden record (not for `--trace`, whose lines
        /// carry timings).
        let recordsStandardError: Bool

        /// The text a golden file holds, before normalization.
        var record: String {
            var text = "$ \(commandLine)\n--- stdout\n" + Self.block(output.stdout)
            text += recordsStandardError ? "--- stderr\n" + Self.block(output.stderr) : "--- stderr (not compared)\n"
            return text + "--- exit status \(output.status)\n"
        }

        /// `text`, marked as diff does when its last line has no line break.
        static func block(_ text: String) -> String {
            text.isEmpty || text.hasSuffix("\n") ? text : text + "\n\\ no newline at end\n"
        }
    }

    static let busid = "1-4"
    /// `--reader` for token 1-4 (a part of the PC/SC name, `UKey 1-4 00 00`).
    static let onToken = ["--reader", "UKey 1-4"]

    let stack: PCSCTestStack
    /// The bus id of the token whose confirmations ``runConfirmed(_:_:secrets:button:)`` presses.
    let token: String
    let binary: String
    /// The session's files (bank, CSR, certificates, challenges); `<TMP>` in golden files.
    let directory: String
    private let lock = NSLock()
    private var recorded: [Step] = []

    var steps: [Step] { lock.withLock { recorded } }

    init(stack: PCSCTestStack, token: String = CLISession.busid) throws {
        self.stack = stack
        self.token = token
        binary = try EmulatorProcess.binary().path
        var template = Array("/tmp/ukey-cli-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw PCSCDHarnessError("mkdtemp failed: errno \(errno)") }
        directory = String(cString: made)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `directory/name`.
    func file(_ name: String) -> String { directory + "/" + name }

    /// Nothing from the test's own environment (no stray `UKEY_PIN`), an 80-column help width.
    func environment(_ secrets: [String: String]) -> [String: String] {
        ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": directory,
         "PCSCLITE_CSOCK_NAME": stack.pcscd.socketPath, "COLUMNS": "80", "LANG": "C.UTF-8"]
            .merging(secrets) { $1 }
    }

    /// Runs `ukey ARGUMENTS` with `secrets` in its environment and records it as step `name`.
    @discardableResult
    func run(_ name: String, _ arguments: [String], secrets: [String: String] = [:],
             recordsStandardError: Bool = true, timeout: Double = 60) throws -> TestProcess.Output {
        let output = try TestProcess.run([binary] + arguments, environment: environment(secrets), timeout: timeout)
        let shown = secrets.keys.sorted().map { "\($0)=*** " }.joined() + (["ukey"] + arguments).map(Self.quoted).joined(separator: " ")
        lock.withLock { recorded.append(Step(name: name, commandLine: shown, output: output, recordsStandardError: recordsStandardError)) }
        return output
    }

    /// Runs a command that waits for the holder (`ukey transfer sign`) and, from another thread,
    /// presses `button` on ``token`` (`ukey emulator press ok`, through every page) once it waits.
    @discardableResult
    func runConfirmed(_ name: String, _ arguments: [String], secrets: [String: String],
                      button: String = "ok") throws -> TestProcess.Output {
        let done = Flag(), finished = DispatchSemaphore(value: 0)
        let presser = Thread { [stack, token] in
            defer { finished.signal() }
            let deadline = Date().addingTimeInterval(60)
            while !done.isSet, Date() < deadline {
                let press = try? stack.runEmulatorControl("press", [button], token: token, mustSucceed: false)
                if press?.status == 0 { return }  // else "not waiting" (yet)
                usleep(100_000)
            }
        }
        presser.start()
        let output: TestProcess.Output
        do {
            output = try run(name, arguments, secrets: secrets)
        } catch {
            done.set()
            throw error
        }
        done.set()
        _ = finished.wait(timeout: .now() + 35)  // a press in flight finishes
        return output
    }

    /// An argument as a shell needs it: in double quotes when it holds a space or a quote.
    static func quoted(_ argument: String) -> String {
        argument.contains(where: { " \"'$".contains($0) }) ? "\"" + argument.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : argument
    }

    /// A flag set from one thread and read from another.
    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }
}
