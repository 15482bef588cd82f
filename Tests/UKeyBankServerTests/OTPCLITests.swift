import Foundation
import Testing
import UKeyBank
import UKeyBankServer

/// `ukey-bank otp enroll|unlock` on both engines: the secret comes through a file descriptor
/// (standard input here), never argv; the enrolled credential verifies; unlock ends a lock-out.
@Suite(.serialized) struct OTPCLITests {
    static func run(_ arguments: [String], stdin: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = try BankServerProcess.binary()
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    @Test(arguments: Engine.allCases)
    func enrollThroughAFileDescriptorAndUnlock(engine: Engine) throws {
        let bank = try TemporaryBank()
        let database = try engine.database()
        let store = databaseArguments(database)
        let base = ["otp", "enroll", "--bank", bank.url.path, "--holder", "alice", "--name", "hotp", "--hotp", "--secret-fd", "0"] + store
        let enrolled = try Self.run(base, stdin: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n")
        #expect(enrolled.status == 0, "\(enrolled.stderr)")
        #expect(enrolled.stdout == "enrolled hotp credential hotp of alice\n")
        let again = try Self.run(base, stdin: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n")
        #expect(again.status != 0)
        #expect(again.stderr.contains("already has a credential named hotp"))
        let bad = try Self.run(base + ["--force"], stdin: "not base32!\n")
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("not base32"))
        #expect(!bad.stderr.contains("not base32!\n"))

        let otp = try OTPVerifier(try BankService.makeVerifier(directory: bank.url, database: database))
        #expect(try otp.verify(holder: "alice", name: "hotp", code: "755224") == .accepted)
        for _ in 0..<5 { #expect(try otp.verify(holder: "alice", name: "hotp", code: "000000") == .rejected(.wrongCode)) }
        #expect(try otp.verify(holder: "alice", name: "hotp", code: "287082") == .rejected(.lockedOut))
        let unlocked = try Self.run(["otp", "unlock", "--bank", bank.url.path, "--holder", "alice", "--name", "hotp"] + store)
        #expect(unlocked.status == 0, "\(unlocked.stderr)")
        #expect(try otp.verify(holder: "alice", name: "hotp", code: "287082") == .accepted)
        let unknown = try Self.run(["otp", "unlock", "--bank", bank.url.path, "--holder", "alice", "--name", "none"] + store)
        #expect(unknown.status != 0)
    }
}
