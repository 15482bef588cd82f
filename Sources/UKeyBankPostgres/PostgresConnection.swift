import CLibPQ
import UKeyBank
import Glibc

/// One libpq connection (`PQconnectdbParams`). Statements go through `PQexecParams` with text
/// parameters and results; SQLSTATE 40001 (serialization failure), 40P01 (deadlock) and 23505
/// (a unique key another transaction inserted first) become ``SQLFailure/retry(_:)``.
final class PostgresConnection: SQLConnection {
    private let connection: OpaquePointer
    private var lastChanges = 0

    static let dialect = SQLDialect(
        name: "PostgreSQL",
        sequenceColumn: "BIGSERIAL PRIMARY KEY",
        currentSequence: "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM challenges_seq_seq",
        raiseSequence: "SELECT setval('challenges_seq_seq', greatest($1::bigint, (SELECT last_value FROM challenges_seq_seq)), true)",
        beginWrite: "BEGIN ISOLATION LEVEL SERIALIZABLE",
        beginRead: "BEGIN ISOLATION LEVEL REPEATABLE READ",
        migrationLock: "SELECT pg_advisory_xact_lock(7283641)",
        beginMigration: "BEGIN")

    init(_ url: PostgresURL) throws(BankError) {
        // The server's NOTICEs (`CREATE TABLE IF NOT EXISTS` at every start) stay off standard error;
        // the URL's own `options` come later and win.
        let pairs = [("options", "-c client_min_messages=warning")] + url.keywords
        let keywords: [UnsafeMutablePointer<CChar>?] = pairs.map { strdup($0.0) } + [nil]
        let values: [UnsafeMutablePointer<CChar>?] = pairs.map { strdup($0.1) } + [nil]
        defer { (keywords + values).forEach { free($0) } }
        let keys: [UnsafePointer<CChar>?] = keywords.map { $0.map { UnsafePointer($0) } }
        let vals: [UnsafePointer<CChar>?] = values.map { $0.map { UnsafePointer($0) } }
        let connection = PQconnectdbParams(keys, vals, 0)
        guard let connection else { throw .database("\(url): out of memory") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmingTrailingNewlines
            PQfinish(connection)
            throw .database("\(url): \(message)")
        }
        self.connection = connection
    }

    deinit { PQfinish(connection) }

    func changes() -> Int { lastChanges }

    /// A connection the server closed (restart, `pg_terminate_backend`) goes out of the pool; the
    /// transaction it was running fails as ``BankError/database(_:)`` (a lost COMMIT reply is not
    /// retried: it may have committed).
    var isUsable: Bool { PQstatus(connection) == CONNECTION_OK }

    func query(_ sql: String, _ parameters: [SQLValue]) throws(SQLFailure) -> [[SQLValue]] {
        let texts: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.text.map { strdup($0) } ?? nil }
        defer { texts.forEach { free($0) } }
        let values: [UnsafePointer<CChar>?] = texts.map { $0.map { UnsafePointer($0) } }
        let result = PQexecParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        guard let result else { throw .failed(String(cString: PQerrorMessage(connection)).trimmingTrailingNewlines) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK:
            lastChanges = Int(String(cString: PQcmdTuples(result))) ?? 0
            return []
        case PGRES_TUPLES_OK:
            lastChanges = Int(String(cString: PQcmdTuples(result))) ?? 0
            let columns = PQnfields(result)
            return (0..<PQntuples(result)).map { row in
                (0..<columns).map { column in
                    PQgetisnull(result, row, column) == 1 ? .null : .text(String(cString: PQgetvalue(result, row, column)))
                }
            }
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            let message = String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines
            if ["40001", "40P01", "23505"].contains(state) { throw .retry(message) }
            throw .failed(message)
        }
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
