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

    @Test("ukey --version prints the package's version")
    func version() throws {
        let out = try ukey(["--version"])
        #expect(out.status == 0, "\(out)")
        #expect(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "2.0.0", "\(out)")
    }

    @Test("malformed APDU hex says why", arguments: [
        ("00A4040", "argument 1: not a command APDU: an odd number of hex digits (7)"),
        ("00A4G400", "argument 1: not a command APDU: \"G\" is not a hex digit (position 5)"),
        ("00A4", "argument 1: not a command APDU: too short: 2 byte(s), an APDU starts with the 4 bytes CLA INS P1 P2"),
        ("00A4040006F0554B45", "argument 1: not a command APDU: Lc says 6 data byte(s) but 4 follow"),
    ])
    func malformedAPDU(_ text: String, _ message: String) throws {
        let out = try ukey(["apdu", text])
        #expect(out.status == 1, "\(out)")
        #expect(out.stderr == "ukey: \(message)\n", "\(out)")
    }

    @Test("-f reads APDUs one per line, # comments and blank lines skipped, and names the line of a bad one")
    func apduFile() throws {
        let out = try ukey(["apdu", "-f", "-"], standardInput: "# select\n00A4040006F0554B455901  # the banking applet\n\n00CA01\n")
        #expect(out.status == 1, "\(out)")
        #expect(out.stderr == "ukey: standard input line 4: not a command APDU: too short: 3 byte(s), an APDU starts with the 4 bytes CLA INS P1 P2\n",
                "\(out)")
        let empty = try ukey(["apdu", "-f", "-"], standardInput: "# nothing\n")
        #expect(empty.stderr == "ukey: standard input holds no command APDU\n", "\(empty)")
    }
}

/// Errors about files and JSON are one line naming the file and the field, never a Foundation dump.
@Suite("ukey's file and JSON errors say what and where, on one line")
struct CLIFileErrorTests {
    func signChallenge(_ contents: String?) throws -> (TestProcess.Output, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ukey-errors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("challenge.json").path
        if let contents { try contents.write(toFile: path, atomically: true, encoding: .utf8) }
        let out = try CLIUsageTests().ukey(["transfer", "sign", path])
        return (out, path)
    }

    @Test("a missing file")
    func missingFile() throws {
        let (out, path) = try signChallenge(nil)
        #expect(out.status == 1)
        #expect(out.stderr == "ukey: cannot read \(path): no such file\n", "\(out)")
    }

    @Test("a file that is not JSON")
    func brokenJSON() throws {
        let (out, path) = try signChallenge("{ not json")
        #expect(out.stderr == "ukey: \(path) is not a challenge record: not valid JSON\n", "\(out)")
    }

    @Test("a JSON value of the wrong type names its field")
    func wrongType() throws {
        let (out, path) = try signChallenge(#"{"challenge": "00112233", "transfer": 42}"#)
        #expect(out.stderr.hasPrefix("ukey: \(path) is not a challenge record: ") && out.stderr.contains("field "), "\(out)")
        #expect(out.stderr.contains("field transfer: expected "), "\(out)")
        #expect(out.stderr.split(separator: "\n").count == 1 && !out.stderr.contains("DecodingError") && !out.stderr.contains("Cocoa"), "\(out)")
    }
}
