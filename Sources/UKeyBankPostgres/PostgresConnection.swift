import CLibPQ
import UKeyBank
import Glibc

/// One libpq connection (`PQconnectdbParams`). Statements with parameters are prepared once per
/// connection (`PQprepare`, named by their text) and run with `PQexecPrepared`, text parameters
/// and results; a `BEGIN` waits and goes out with the transaction's first statement, and a
/// ``batch(_:)`` goes out as one pipeline (`PQenterPipelineMode`), so a verification costs three
/// round trips (BEGIN + its reads, its writes, COMMIT). SQLSTATE 40001 (serialization failure),
/// 40P01 (deadlock) and 23505 (a unique key another transaction inserted first) become
/// ``SQLFailure/retry(_:)``.
final class PostgresConnection: SQLConnection {
    private let connection: OpaquePointer
    private var lastChanges = 0
    /// Statement names by SQL text (`u1`, `u2`, …), prepared on this connection.
    private var prepared: [String: String] = [:]
    /// A `BEGIN …` not sent yet: it goes out in the same round trip as the next statement.
    private var pendingBegin: String?
    /// Set when a pipeline ended in a state we cannot trust: the pool drops the connection.
    private var broken = false
    private(set) var roundTrips = 0
    /// At most this many statements are prepared per connection; others run unprepared.
    private static let maxPrepared = 256

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
    var isUsable: Bool { !broken && PQstatus(connection) == CONNECTION_OK }

    func query(_ sql: String, _ parameters: [SQLValue]) throws(SQLFailure) -> [[SQLValue]] {
        if parameters.isEmpty, sql.hasPrefix("BEGIN") {
            pendingBegin = sql
            lastChanges = 0
            return []
        }
        if pendingBegin != nil, parameters.isEmpty, sql == "COMMIT" || sql == "ROLLBACK" {
            pendingBegin = nil // an empty transaction: nothing to send
            lastChanges = 0
            return []
        }
        let result = try batch([SQLStatement(sql, parameters)])[0]
        lastChanges = result.changes
        return result.rows
    }

    func batch(_ statements: [SQLStatement]) throws(SQLFailure) -> [SQLResult] {
        var all = statements
        if let begin = pendingBegin {
            all.insert(SQLStatement(begin), at: 0)
            pendingBegin = nil
        }
        if all.count == 1 {
            roundTrips += 1
            let statement = all[0]
            let reply = try withParameters(statement) { (name, count, values) in
                name.map { PQexecPrepared(connection, $0, count, values, nil, nil, 0) }
                    ?? PQexecParams(connection, statement.sql, count, nil, values, nil, nil, 0)
            }
            guard let reply else { throw .failed(lastError) }
            defer { PQclear(reply) }
            return [try Self.result(reply)]
        }
        // Prepare first (one round trip each, once per connection), then one pipeline.
        for statement in all where !statement.parameters.isEmpty { _ = try statementName(statement.sql) }
        guard PQenterPipelineMode(connection) == 1 else { throw .failed(lastError) }
        defer { if PQexitPipelineMode(connection) != 1 { broken = true } }
        for statement in all {
            let sent = try withParameters(statement) { (name, count, values) in
                name.map { PQsendQueryPrepared(connection, $0, count, values, nil, nil, 0) }
                    ?? PQsendQueryParams(connection, statement.sql, count, nil, values, nil, nil, 0)
            }
            guard sent == 1 else { broken = true; throw .failed(lastError) }
        }
        guard PQpipelineSync(connection) == 1 else { broken = true; throw .failed(lastError) }
        roundTrips += 1
        var results: [SQLResult] = []
        var failure: SQLFailure?
        for _ in all {
            guard let result = PQgetResult(connection) else { broken = true; throw .failed(lastError) }
            defer { PQclear(result) }
            while let extra = PQgetResult(connection) { PQclear(extra) } // the NULL after each statement's result
            if failure != nil { continue }
            do throws(SQLFailure) { results.append(try Self.result(result)) } catch { failure = error }
        }
        // The sync point.
        guard let sync = PQgetResult(connection), PQresultStatus(sync) == PGRES_PIPELINE_SYNC else {
            broken = true
            throw failure ?? .failed("the pipeline did not end at its sync point: \(lastError)")
        }
        PQclear(sync)
        if let failure { throw failure }
        return Array(results.suffix(statements.count))
    }

    private var lastError: String { String(cString: PQerrorMessage(connection)).trimmingTrailingNewlines }

    /// The prepared statement's name for `sql`, preparing it on first use; `nil` once
    /// ``maxPrepared`` statements are prepared (it then runs unprepared).
    private func statementName(_ sql: String) throws(SQLFailure) -> String? {
        if let name = prepared[sql] { return name }
        guard prepared.count < Self.maxPrepared else { return nil }
        let name = "u\(prepared.count + 1)"
        roundTrips += 1
        guard let result = PQprepare(connection, name, sql, 0, nil) else { throw .failed(lastError) }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else { _ = try Self.result(result); throw .failed(lastError) }
        prepared[sql] = name
        return name
    }

    /// Calls `body` with the statement's prepared name (`nil`: run it unprepared, as statements
    /// without parameters are) and its parameters as C strings.
    private func withParameters<T>(_ statement: SQLStatement,
                                   _ body: (String?, Int32, [UnsafePointer<CChar>?]) -> T) throws(SQLFailure) -> T {
        let name = statement.parameters.isEmpty ? nil : try statementName(statement.sql)
        let texts: [UnsafeMutablePointer<CChar>?] = statement.parameters.map { $0.text.map { strdup($0) } ?? nil }
        defer { texts.forEach { free($0) } }
        let values: [UnsafePointer<CChar>?] = texts.map { $0.map { UnsafePointer($0) } }
        return body(name, Int32(statement.parameters.count), values)
    }

    /// The rows and changed-row count of `result` (the caller clears it).
    private static func result(_ result: OpaquePointer) throws(SQLFailure) -> SQLResult {
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK:
            return SQLResult(rows: [], changes: Int(String(cString: PQcmdTuples(result))) ?? 0)
        case PGRES_TUPLES_OK:
            let columns = PQnfields(result)
            let rows: [[SQLValue]] = (0..<PQntuples(result)).map { row in
                (0..<columns).map { column in
                    PQgetisnull(result, row, column) == 1 ? .null : .text(String(cString: PQgetvalue(result, row, column)))
                }
            }
            return SQLResult(rows: rows, changes: Int(String(cString: PQcmdTuples(result))) ?? 0)
        case PGRES_PIPELINE_ABORTED:
            throw .failed("an earlier statement of the pipeline failed")
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
