import Foundation
import PCSCTestSupport
import Testing

/// Issue 19 with stock clients: ykman (Debian's 4.0.9 and PyPI's 5.x) drives the token's OATH
/// applet through a private pcscd → our driver → `ukey emulator run`, and every code it shows
/// is checked against oathtool. One token, so the tests run one after another.
@Suite(.serialized, .enabled(if: OATHTools.allInstalled, "needs yubikey-manager, oathtool and the ykman venv: make deps ykman-venv"))
struct YkmanTests {
    static func withStack<T>(_ body: (OATHStack) async throws -> T) async throws -> T {
        let missing = OATHTools.missing
        guard missing.isEmpty else { throw StackError("missing: \(missing.joined(separator: ", "))") }
        return try await body(try await OATHStack.shared())
    }

    /// `ykman --reader UKey ARGUMENTS`, which must succeed.
    @discardableResult
    static func ykman(_ tool: OATHTools.Ykman, _ stack: OATHStack, _ arguments: [String]) throws -> String {
        let output = try stack.run([tool.ykman, "--reader", "UKey"] + arguments)
        guard output.status == 0 else { throw StackError("\(tool) \(arguments.joined(separator: " ")): \(output)") }
        return output.stdout
    }

    static func oathtool(_ arguments: [String]) throws -> String {
        let output = try TestProcess.run([OATHTools.oathtool] + arguments, environment: ["PATH": "/usr/bin:/bin"])
        guard output.status == 0 else { throw StackError("oathtool \(arguments): \(output)") }
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `NAME  CODE` lines of `ykman oath accounts code` as a dictionary.
    static func codes(_ text: String) -> [String: String] {
        var codes: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2 { codes[String(parts[0])] = String(parts[parts.count - 1]) }
        }
        return codes
    }

    /// For a non-YubiKey ykman finds the applets by SELECT: OATH (and PIV) must show as enabled.
    @Test(arguments: OATHTools.both)
    func infoFindsOATH(_ tool: OATHTools.Ykman) async throws {
        try await Self.withStack { stack in
            let info = try Self.ykman(tool, stack, ["info"])
            let oath = info.split(separator: "\n").first { $0.hasPrefix("OATH") }
            #expect(oath?.contains("Enabled") == true, "\(info)")
            let accounts = try Self.ykman(tool, stack, ["oath", "info"])
            #expect(accounts.contains("5.7.0"), "\(accounts)")
        }
    }

    /// yubikit at fixed times: the RFC 6238 and RFC 4226 vectors, each equal to oathtool's.
    @Test(arguments: OATHTools.both)
    func rfcVectorsMatchOathtool(_ tool: OATHTools.Ykman) async throws {
        try await Self.withStack { stack in
            try Self.ykman(tool, stack, ["oath", "reset", "-f"])
            let script = try #require(Bundle.module.url(forResource: "Scripts", withExtension: nil)).appendingPathComponent("oath_vectors.py")
            let output = try stack.run([tool.python, script.path, "UKey"])
            try #require(output.status == 0, "\(output)")
            let seeds = ["SHA1": "12345678901234567890", "SHA256": "12345678901234567890123456789012",
                         "SHA512": String(repeating: "1234567890", count: 6) + "1234"]
            let lines = output.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            #expect(lines.count == 28)
            for line in lines where line.count == 3 {
                let expected: String
                if line[0] == "HOTP" {
                    expected = try Self.oathtool(["--hotp", "-c", line[1], Self.hex(seeds["SHA1"]!)])
                } else {
                    expected = try Self.oathtool(["--totp=\(line[0].lowercased())", "-d", "8", "-N", "@\(line[1])", Self.hex(seeds[line[0]]!)])
                }
                #expect(line[2] == expected, "\(line)")
            }
            // Two RFC values spelled out, so oathtool and the card cannot agree on a wrong answer.
            #expect(lines.contains(["SHA1", "59", "94287082"]))
            #expect(lines.contains(["HOTP", "9", "520489"]))
        }
    }

    /// `oath accounts add|list|code|delete`: TOTP (SHA-1 6 digits, SHA-256 8 digits) and HOTP.
    @Test(arguments: OATHTools.both)
    func accountsAddListCodeDelete(_ tool: OATHTools.Ykman) async throws {
        try await Self.withStack { stack in
            try Self.ykman(tool, stack, ["oath", "reset", "-f"])
            let secret = "JBSWY3DPEHPK3PXP"
            try Self.ykman(tool, stack, ["oath", "accounts", "add", "-i", "Example", "alice", secret])
            try Self.ykman(tool, stack, ["oath", "accounts", "add", "-a", "SHA256", "-d", "8", "wide", secret])
            try Self.ykman(tool, stack, ["oath", "accounts", "add", "-o", "HOTP", "counter", secret])
            let list = try Self.ykman(tool, stack, ["oath", "accounts", "list"])
            #expect(Set(list.split(separator: "\n").map(String.init)) == ["Example:alice", "wide", "counter"])

            let before = (try Self.oathtool(["--totp", "-b", secret]), try Self.oathtool(["--totp=sha256", "-d", "8", "-b", secret]))
            let codes = Self.codes(try Self.ykman(tool, stack, ["oath", "accounts", "code"]))
            let after = (try Self.oathtool(["--totp", "-b", secret]), try Self.oathtool(["--totp=sha256", "-d", "8", "-b", secret]))
            // A 30 s step may end between the calls: the code is oathtool's before or after.
            #expect([before.0, after.0].contains(codes["Example:alice"] ?? ""), "\(codes)")
            #expect([before.1, after.1].contains(codes["wide"] ?? ""), "\(codes)")
            // HOTP: each code is the next counter's.
            for count in 0..<2 {
                let code = Self.codes(try Self.ykman(tool, stack, ["oath", "accounts", "code", "counter"]))["counter"]
                #expect(code == (try Self.oathtool(["--hotp", "-c", String(count), "-b", secret])))
            }

            try Self.ykman(tool, stack, ["oath", "accounts", "delete", "wide", "-f"])
            let remaining = try Self.ykman(tool, stack, ["oath", "accounts", "list"])
            #expect(Set(remaining.split(separator: "\n").map(String.init)) == ["Example:alice", "counter"])
        }
    }

    /// A touch credential: ykman waits ("Touch your YubiKey...") until `ukey emulator press ok`.
    @Test(arguments: OATHTools.both)
    func touchCredentialWaitsForOK(_ tool: OATHTools.Ykman) async throws {
        try await Self.withStack { stack in
            try Self.ykman(tool, stack, ["oath", "reset", "-f"])
            let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            try Self.ykman(tool, stack, ["oath", "accounts", "add", "-t", "touchy", secret])
            let before = try Self.oathtool(["--totp", "-b", secret])
            let code = try BackgroundYkman([tool.ykman, "--reader", "UKey", "oath", "accounts", "code", "touchy"],
                                           environment: stack.environment())
            defer { code.stop() }
            try stack.pressOK()
            let status = code.wait(timeout: 60)
            #expect(status == 0, "\(code.transcript)")
            let after = try Self.oathtool(["--totp", "-b", secret])
            let shown = Self.codes(code.stdout)["touchy"]
            #expect([before, after].contains(shown ?? ""), "\(code.transcript)")
        }
    }

    static func hex(_ text: String) -> String { text.utf8.map { String(format: "%02x", $0) }.joined() }
}

/// ykman running while the test presses the token's button; killed by ``stop()`` if still running.
final class BackgroundYkman: @unchecked Sendable {
    let process = Process()
    private let out = Pipe(), err = Pipe()
    private var collected: (String, String)? = nil

    init(_ arguments: [String], environment: [String: String]) throws {
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
    }

    /// The exit status once it ended within `timeout` seconds (its output is then collected).
    func wait(timeout: Double) -> Int32? {
        guard let status = ChildProcesses.wait(process, timeout: timeout) else { return nil }
        collected = (String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
                     String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        return status
    }

    var stdout: String { collected?.0 ?? "" }
    var transcript: String { "stdout:\n\(collected?.0 ?? "-")\nstderr:\n\(collected?.1 ?? "-")" }

    func stop() {
        if ChildProcesses.isRunning(process) {
            kill(process.processIdentifier, SIGKILL)
            _ = ChildProcesses.wait(process, timeout: 10)
        }
    }
}
