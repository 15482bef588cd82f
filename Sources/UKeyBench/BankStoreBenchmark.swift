import BankTestSupport
import UKeyTestCA
import UKeyBank
import UKeyBankPostgres
import Foundation

/// Issue 17's store benchmark: recorded verifications (`TransferVerifier.verify`: every check,
/// one transaction with its conditional updates, committed durably) per second on SQLite
/// (`bank.sqlite`, WAL, synchronous=FULL) and on PostgreSQL (a private cluster on a unix socket,
/// fsync on), with 1 k, 100 k and 1 M rows of history in each table (used challenges, tokens,
/// holders' daily totals, accepted transfers), each next to its engine's own floor in the same
/// run: one INSERT + COMMIT per transaction through the same store (same connection settings,
/// same durability), no reads, no checks.
enum BankStoreBenchmark {
    struct Row {
        let engine: String
        let history: Int
        let recorded: Double
        let floor: Double
    }

    static func run(histories: [Int] = [1_000, 100_000, 1_000_000], verifications: Int = 200) throws {
        let ca = try TestCertificateAuthority()
        var rows: [Row] = []
        var postgresProblem: String?
        for engine in ["SQLite", "PostgreSQL"] {
            for history in histories {
                let database: String?
                if engine == "PostgreSQL" {
                    do { database = try PostgresCluster.makeDatabase() } catch {
                        postgresProblem = "\(error)"
                        break
                    }
                } else {
                    database = nil
                }
                rows.append(try measure(engine: engine, database: database, history: history, verifications: verifications, ca: ca))
            }
        }
        print("")
        print("## Bank store: recorded verifications per second against history and the engine's floor")
        print("")
        print("| engine | history rows per table | verify (recorded) per second | floor: INSERT + COMMIT per second | ratio to floor | ratio to 1 k history |")
        print("|---|---:|---:|---:|---:|---:|")
        for row in rows {
            let base = rows.first { $0.engine == row.engine && $0.history == histories[0] }?.recorded ?? row.recorded
            print("| \(row.engine) | \(row.history) | \(Measure.format(row.recorded)) | \(Measure.format(row.floor)) | " +
                  "\(Measure.format(row.recorded / row.floor, 2)) | \(Measure.format(row.recorded / base, 2)) |")
        }
        if let postgresProblem { print("\nPostgreSQL not measured: \(postgresProblem)") }
        print("\n\(verifications) recorded verifications per row, each with its own challenge (issued beforehand); " +
              "history made by one INSERT … SELECT per table before the measurement.")
        for engine in ["SQLite", "PostgreSQL"] {
            let measured = rows.filter { $0.engine == engine }
            guard let first = measured.first, let last = measured.last else { continue }
            let floorRatio = last.recorded / last.floor
            Headlines.add("\(engine) recorded verify per second, \(last.history) rows of history", ratio: floorRatio,
                          reference: "\(engine) floor (INSERT + COMMIT, same durability)", aim: ("≥ 0.5", floorRatio >= 0.5))
            let historyRatio = last.recorded / first.recorded
            Headlines.add("\(engine) recorded verify per second, \(last.history) rows of history", ratio: historyRatio,
                          reference: "the same with \(first.history) rows", aim: ("≥ 0.7", historyRatio >= 0.7))
        }
    }

    static func measure(engine: String, database: String?, history: Int, verifications: Int,
                        ca: TestCertificateAuthority) throws -> Row {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ukey-bench-store-\(getpid())-\(engine)-\(history)")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: directory) }
        try ca.save(to: directory)
        let bank = VerifierBenchmark.Bank(directory: directory, ca: ca)
        let verifier = try TransferVerifier.open(directory: directory, database: database)
        guard let store = verifier.store as? SQLBankStore else { throw BenchmarkError.setupFailed("not an SQL store") }
        for statement in seed(rows: history, postgres: database != nil) { try store.execute(statement) }

        let token = try VerifierBenchmark.BenchToken(serial: [0xB0, 0, 0, 0, 0, 0, 0, 1], bank: bank)
        let batch = try (0..<verifications).map { _ in try token.signedTransfer(verifier) }
        let recorded = Double(batch.count) / (try Measure.duration(count: 1) {
            for signed in batch {
                guard try verifier.verify(signed).isAccepted else { fatalError("verify refused a fresh transfer") }
            }
        })
        try store.execute("CREATE TABLE bench_floor (id BIGINT PRIMARY KEY, value TEXT NOT NULL)")
        let floor = Double(verifications) / (try Measure.duration(count: 1) {
            for id in 0..<verifications { try store.execute("INSERT INTO bench_floor (id, value) VALUES ($1, $2)", [.integer(Int64(id)), .text("x")]) }
        })
        return Row(engine: engine, history: history, recorded: recorded, floor: floor)
    }

    /// `rows` used challenges, tokens, daily totals and accepted transfers, as one statement per table.
    static func seed(rows: Int, postgres: Bool) -> [String] {
        let (with, from, hex16, hex64): (String, String, String, String) = postgres
            ? ("", "FROM generate_series(1, \(rows)) AS n(i)", "lpad(upper(to_hex(i)), 16, '0')", "lpad(upper(to_hex(i)), 64, '0')")
            : ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(rows)) ", "FROM n",
               "printf('%016X', i)", "printf('%064X', i)")
        return [
            "\(with)INSERT INTO challenges (challenge, token_serial, expires_at, forget_at, used_at, issued) " +
                "SELECT \(hex64), \(hex16), 1, 4102444800, 1, NULL \(from)",
            "\(with)INSERT INTO tokens (serial, last_counter, accepted_at_seq) SELECT \(hex16), 1, 0 \(from)",
            "\(with)INSERT INTO daily_totals (holder, day, totals, overall) SELECT 'token:' || \(hex16), '2020-01-01', '{\"CNY\":\"100\"}', 100000 \(from)",
            "\(with)INSERT INTO transfers (challenge, token_serial, counter, holder, amount, currency, verified_at, day) " +
                "SELECT \(hex64), \(hex16), 1, 'token:' || \(hex16), '100', 'CNY', 1, '2020-01-01' \(from)",
        ]
    }
}

extension VerifierBenchmark.Bank {
    init(directory: URL, ca: TestCertificateAuthority) {
        self.directory = directory
        self.ca = ca
    }
}
