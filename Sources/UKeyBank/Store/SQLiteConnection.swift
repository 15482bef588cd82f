import CSQLite
import Foundation

/// One connection to the bank's SQLite file (`BANKDIR/bank.sqlite`): WAL journal, `synchronous =
/// FULL` (a commit is on disk when it returns), foreign keys on, a busy timeout, and prepared
/// statements cached by their text. `SQLITE_BUSY` becomes ``SQLFailure/retry(_:)``.
final class SQLiteConnection: SQLConnection {
    private let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]

    /// The SQL the store sends to SQLite.
    static let dialect = SQLDialect(
        name: "SQLite",
        sequenceColumn: "INTEGER PRIMARY KEY AUTOINCREMENT",
        currentSequence: "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'challenges'), 0)",
        raiseSequence: "INSERT OR REPLACE INTO sqlite_sequence (name, seq) VALUES ('challenges', max($1, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'challenges'), 0)))",
        beginWrite: "BEGIN IMMEDIATE",
        beginRead: "BEGIN DEFERRED")

    /// Opens (creating, mode 0600) the database at `path`.
    init(path: String) throws(BankError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let created = !FileManager.default.fileExists(atPath: path)
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close(db)
            throw .database("\(path): \(message)")
        }
        handle = db
        if created { chmod(path, 0o600) }
        sqlite3_busy_timeout(db, 5_000)
        do {
            for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"] {
                try execute(pragma)
            }
        } catch {
            sqlite3_close(db)
            throw .database("\(path): \(error)")
        }
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close(handle)
    }

    func changes() -> Int { Int(sqlite3_changes(handle)) }

    func query(_ sql: String, _ parameters: [SQLValue]) throws(SQLFailure) -> [[SQLValue]] {
        let statement = try prepared(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (index, parameter) in parameters.enumerated() {
            let position = Int32(index + 1)
            switch parameter {
            case .null: sqlite3_bind_null(statement, position)
            case .integer(let value): sqlite3_bind_int64(statement, position, value)
            case .text(let text): sqlite3_bind_text(statement, position, text, -1, csqlite_transient())
            }
        }
        var rows: [[SQLValue]] = []
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return rows }
            guard code == SQLITE_ROW else { throw failure(code) }
            rows.append((0..<sqlite3_column_count(statement)).map { column in
                switch sqlite3_column_type(statement, column) {
                case SQLITE_NULL: return .null
                case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, column))
                default: return .text(String(cString: sqlite3_column_text(statement, column)))
                }
            })
        }
    }

    /// `sql` prepared once per connection; `$N` placeholders become SQLite's `?N`.
    private func prepared(_ sql: String) throws(SQLFailure) -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql.replacingOccurrences(of: "$", with: "?"), -1,
                                      UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw failure(code) }
        statements[sql] = statement
        return statement
    }

    private func failure(_ code: Int32) -> SQLFailure {
        let message = String(cString: sqlite3_errmsg(handle))
        switch code & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED: return .retry(message)
        default: return .failed(message)
        }
    }
}
