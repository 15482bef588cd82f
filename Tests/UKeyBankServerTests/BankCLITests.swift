import Foundation
import Testing
import UKey
import UKeyBank

/// `ukey-bank challenge|verify|policy|migrate|import-state` as a user runs them.
@Suite struct BankCLITests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `ukey-bank ARGUMENTS` and waits (outputs are small: pipes read after exit).
    static func run(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = try BankServerProcess.binary()
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test func challengeThenVerifyAsUkeyTransferDoes() throws {
        let bank = try TemporaryBank()
        let token = try SoftwareToken(serial: ServerFixtures.serial(3))
        let challengeFile = bank.url.appendingPathComponent("challenge.json").path
        let issued = try Self.run(["challenge", "--bank", bank.url.path, "--payee-account", "DE89370400440532013000", "--payee-name", "Zhang San",
                                   "--amount", "100.00", "--reference", "Invoice 42", "--token-serial", token.serial.hexString,
                                   "--out", challengeFile])
        #expect(issued.status == 0, "\(issued.stderr)")
        let record = try JSONDecoder().decode(IssuedChallenge.self, from: Data(contentsOf: URL(fileURLWithPath: challengeFile)))
        #expect(issued.stdout == record.challenge.hexString + "\n")
        #expect(record.transfer == ServerFixtures.transfer)

        let signedFile = bank.url.appendingPathComponent("signed.json")
        try Data(try jsonText(try token.sign(record)).utf8).write(to: signedFile)
        let dryRun = try Self.run(["verify", "--bank", bank.url.path, "--dry-run", signedFile.path])
        #expect(dryRun.status == 0)
        let first = try Self.run(["verify", "--bank", bank.url.path, signedFile.path])
        #expect(first.status == 0)
        #expect(first.stdout.hasPrefix("accepted: 100 CNY to Zhang San (DE89370400440532013000), token 554B000000000003, counter 1"))
        let again = try Self.run(["verify", "--bank", bank.url.path, "--json", signedFile.path])
        #expect(again.status == 4)
        let verdict = try JSONDecoder().decode(TransferVerdict.self, from: Data(again.stdout.utf8))
        #expect(verdict.rejection == .challengeReused)
    }

    @Test func aDatabaseURLIsRefusedInOneLine() throws {
        let bank = try TemporaryBank()
        for arguments in [["challenge", "--payee-account", "DE89", "--payee-name", "A", "--amount", "1.00"], ["verify", "-"], ["policy", "show"],
                          ["migrate"]] {
            let run = try Self.run(arguments + ["--bank", bank.url.path, "--database", "postgresql://bank@/bank?host=/tmp"])
            #expect(run.status == 1, "\(arguments)")
            #expect(run.stderr.contains("--database is not supported yet"), "\(arguments): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(arguments): \(run.stderr)")
        }
    }

    @Test func policySetThenShow() throws {
        let bank = try TemporaryBank()
        let shown = try Self.run(["policy", "show", "--bank", bank.url.path])
        #expect(shown.status == 0)
        #expect(try JSONDecoder().decode(BankPolicy.self, from: Data(shown.stdout.utf8)) == BankPolicy.default)

        let file = bank.url.appendingPathComponent("new-policy.json")
        try Data(#"{"currencies": {"CNY": {"minorDigits": 2, "rate": "1"}, "USD": {"minorDigits": 2, "perTransfer": "7000", "rate": "7.1"}}}"#.utf8)
            .write(to: file)
        let set = try Self.run(["policy", "set", file.path, "--bank", bank.url.path])
        #expect(set.status == 0, "\(set.stderr)")
        let after = try JSONDecoder().decode(BankPolicy.self, from: Data(try Self.run(["policy", "show", "--bank", bank.url.path]).stdout.utf8))
        #expect(after == (try BankDirectory(bank.url).policy()))
        #expect(after != BankPolicy.default)

        try Data(#"{"currencies": {"USD": {"minorDigits": 9}}}"#.utf8).write(to: file)
        let refused = try Self.run(["policy", "set", file.path, "--bank", bank.url.path])
        #expect(refused.status != 0)
        #expect(try BankDirectory(bank.url).policy() == after)
    }

    @Test func storeCommandsRefuseUntilTheStoreIsMerged() throws {
        let bank = try TemporaryBank()
        let migrate = try Self.run(["migrate", "--bank", bank.url.path])
        #expect(migrate.status == 1)
        #expect(migrate.stderr.contains("the SQL store is not merged yet"))
        let imported = try Self.run(["import-state", bank.url.path, "--bank", bank.url.path])
        #expect(imported.status == 1)
        #expect(imported.stderr.contains("the SQL store is not merged yet"))
    }
}
