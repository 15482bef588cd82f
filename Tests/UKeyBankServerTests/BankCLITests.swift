import Foundation
import Testing
import UKey
import UKeyBank
import UKeyBankServer

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

    @Test(arguments: Engine.allCases)
    func challengeThenVerifyAsUkeyTransferDoes(engine: Engine) throws {
        let bank = try TemporaryBank()
        let database = try engine.database()
        let store = databaseArguments(database)
        let token = try SoftwareToken(serial: ServerFixtures.serial(3))
        let challengeFile = bank.url.appendingPathComponent("challenge.json").path
        let issued = try Self.run(["challenge", "--bank", bank.url.path, "--payee-account", "DE89370400440532013000", "--payee-name", "Zhang San",
                                   "--amount", "100.00", "--reference", "Invoice 42", "--token-serial", token.serial.hexString,
                                   "--out", challengeFile] + store)
        #expect(issued.status == 0, "\(issued.stderr)")
        let record = try JSONDecoder().decode(IssuedChallenge.self, from: Data(contentsOf: URL(fileURLWithPath: challengeFile)))
        #expect(issued.stdout == record.challenge.hexString + "\n")
        #expect(record.transfer == ServerFixtures.transfer)

        let signedFile = bank.url.appendingPathComponent("signed.json")
        try Data(try jsonText(try token.sign(record)).utf8).write(to: signedFile)
        let dryRun = try Self.run(["verify", "--bank", bank.url.path, "--dry-run", signedFile.path] + store)
        #expect(dryRun.status == 0)
        let first = try Self.run(["verify", "--bank", bank.url.path, signedFile.path] + store)
        #expect(first.status == 0)
        #expect(first.stdout.hasPrefix("accepted: 100 CNY to Zhang San (DE89370400440532013000), token 554B000000000003, counter 1"))
        let again = try Self.run(["verify", "--bank", bank.url.path, "--json", signedFile.path] + store)
        #expect(again.status == 4)
        let verdict = try JSONDecoder().decode(TransferVerdict.self, from: Data(again.stdout.utf8))
        #expect(verdict.rejection == .challengeReused)
        // The state is in the store asked for: the token's counter is there, and only there.
        let status = try BankService.makeVerifier(directory: bank.url, database: database)
            .tokenStatus(serial: token.serial)
        #expect(status?.lastCounter == 1)
        if engine == .postgres {
            #expect(try BankService.makeVerifier(directory: bank.url, database: nil).tokenStatus(serial: token.serial) == nil)
        }
    }

    @Test func aDatabaseURLThatDoesNotParseIsOneLine() throws {
        let bank = try TemporaryBank()
        for arguments in [["challenge", "--payee-account", "DE89", "--payee-name", "A", "--amount", "1.00"], ["verify", "-"], ["policy", "show"],
                          ["migrate"], ["serve", "--listen", "127.0.0.1:0"]] {
            let run = try Self.run(arguments + ["--bank", bank.url.path, "--database", "mysql://bank@localhost/bank"])
            #expect(run.status == 1, "\(arguments)")
            #expect(run.stderr.contains("database URL"), "\(arguments): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(arguments): \(run.stderr)")
        }
    }

    /// `policy set` puts the policy in the store: `policy show` there (and, on PostgreSQL, from
    /// another bank directory, as another server would) shows it; policy.json is not touched.
    @Test(arguments: Engine.allCases)
    func policySetThenShow(engine: Engine) throws {
        let bank = try TemporaryBank()
        let store = databaseArguments(try engine.database())
        let shown = try Self.run(["policy", "show", "--bank", bank.url.path] + store)
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(try JSONDecoder().decode(BankPolicy.self, from: Data(shown.stdout.utf8)) == BankPolicy.default)

        let file = bank.url.appendingPathComponent("new-policy.json")
        try Data(#"{"currencies": {"CNY": {"minorDigits": 2, "rate": "1"}, "USD": {"minorDigits": 2, "perTransfer": "7000", "rate": "7.1"}}}"#.utf8)
            .write(to: file)
        let set = try Self.run(["policy", "set", file.path, "--bank", bank.url.path] + store)
        #expect(set.status == 0, "\(set.stderr)")
        let expected = try JSONDecoder().decode(BankPolicy.self, from: Data(contentsOf: file))
        let after = try JSONDecoder().decode(BankPolicy.self, from: Data(try Self.run(["policy", "show", "--bank", bank.url.path] + store).stdout.utf8))
        #expect(after == expected)
        #expect(after != BankPolicy.default)
        #expect(!FileManager.default.fileExists(atPath: bank.url.appendingPathComponent(BankDirectory.policyFileName).path))
        if engine == .postgres {
            let other = try TemporaryBank()
            let elsewhere = try Self.run(["policy", "show", "--bank", other.url.path] + store)
            #expect(try JSONDecoder().decode(BankPolicy.self, from: Data(elsewhere.stdout.utf8)) == expected)
        }
        // A server started now applies it: USD is a currency now.
        let server = try BankServerProcess(bank: bank.url, arguments: store)
        defer { server.stop() }
        let usd = Transfer(payeeAccount: "DE89370400440532013000", payeeName: "Zhang San", amount: "10.00", currency: "USD", reference: nil)
        #expect(try HTTPClient.post(port: server.port, "/v1/challenges", json: try jsonText(usd)).status == 201)

        try Data(#"{"currencies": {"USD": {"minorDigits": 9}}}"#.utf8).write(to: file)
        let refused = try Self.run(["policy", "set", file.path, "--bank", bank.url.path] + store)
        #expect(refused.status != 0)
        #expect(try JSONDecoder().decode(BankPolicy.self, from: Data(try Self.run(["policy", "show", "--bank", bank.url.path] + store).stdout.utf8)) == expected)
    }

    @Test(arguments: Engine.allCases)
    func migrateAppliesTheSchemaAlone(engine: Engine) throws {
        let bank = try TemporaryBank()
        let store = databaseArguments(try engine.database())
        let first = try Self.run(["migrate", "--bank", bank.url.path] + store)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("schema version "))
        let version = Int(first.stdout.dropFirst("schema version ".count).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(version >= 1)
        let again = try Self.run(["migrate", "--bank", bank.url.path] + store)
        #expect(again.status == 0 && again.stdout == first.stdout)
        #expect(again.stderr.isEmpty, "\(again.stderr)")
        #expect(FileManager.default.fileExists(atPath: bank.url.appendingPathComponent("bank.sqlite").path) == (engine == .sqlite))
    }

    /// An old bank directory's state.json (version 1: last counters) goes into the store once.
    @Test(arguments: Engine.allCases)
    func importStateOnce(engine: Engine) throws {
        let bank = try TemporaryBank()
        let old = try TemporaryBank()
        let database = try engine.database()
        let store = databaseArguments(database)
        let serial = ServerFixtures.serial(7)
        let legacy = #"{"version": 1, "challenges": {}, "dailyTotals": {}, "lastCounters": {"\#(serial.hexString)": 5}}"#
        try Data(legacy.utf8).write(to: old.url.appendingPathComponent(BankDirectory.stateFileName))
        let imported = try Self.run(["import-state", old.url.path, "--bank", bank.url.path] + store)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try BankService.makeVerifier(directory: bank.url, database: database).tokenStatus(serial: serial)?.lastCounter == 5)
        let twice = try Self.run(["import-state", old.url.path, "--bank", bank.url.path] + store)
        #expect(twice.status == 1)
        #expect(twice.stderr.contains("already"), "\(twice.stderr)")
        let none = try Self.run(["import-state", bank.url.path, "--bank", bank.url.path] + store)
        #expect(none.status == 1)
        #expect(none.stderr.contains("no state.json"), "\(none.stderr)")
    }
}
