import Foundation
import Synchronization

/// A value bound to or read from a statement: the bank stores integers and text only (hex for
/// bytes, JSON for the intended transfer, decimal strings for amounts), so both engines agree.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case text(String)

    public var integer: Int64? {
        switch self {
        case .integer(let value): return value
        case .text(let text): return Int64(text)
        case .null: return nil
        }
    }

    public var text: String? {
        switch self {
        case .text(let text): return text
        case .integer(let value): return String(value)
        case .null: return nil
        }
    }
}

/// Why a statement failed, as the store's retry loop needs to know it.
public enum SQLFailure: Error, Sendable {
    /// Another transaction got in the way (SQLite `SQLITE_BUSY`, PostgreSQL 40001 / 40P01): run
    /// the whole transaction again.
    case retry(String)
    /// Anything else: the engine's message.
    case failed(String)
}

/// What differs between the engines in the SQL the store sends.
public struct SQLDialect: Sendable {
    /// The engine's name in messages (`SQLite`, `PostgreSQL`).
    public var name: String
    /// The column type of the challenges' sequence number, with its primary key
    /// (`INTEGER PRIMARY KEY AUTOINCREMENT`, `BIGSERIAL PRIMARY KEY`).
    public var sequenceColumn: String
    /// A query whose one row is the last challenge sequence number issued (0 before the first).
    public var currentSequence: String
    /// A statement that raises the challenge sequence to at least `$1` (for an import).
    public var raiseSequence: String
    /// The statement that starts a writing transaction (`BEGIN IMMEDIATE`, `BEGIN ISOLATION LEVEL SERIALIZABLE`).
    public var beginWrite: String
    /// The statement that starts a reading transaction.
    public var beginRead: String
    /// A statement that makes concurrent migrations wait for each other, if the engine needs one
    /// (PostgreSQL's advisory lock; SQLite's `BEGIN IMMEDIATE` already does).
    public var migrationLock: String?
    /// The statement that starts the migration transaction (PostgreSQL: read committed, so the
    /// statements after the lock see what a migration that held it before committed).
    public var beginMigration: String

    public init(name: String, sequenceColumn: String, currentSequence: String, raiseSequence: String,
                beginWrite: String, beginRead: String, migrationLock: String? = nil, beginMigration: String? = nil) {
        self.name = name
        self.sequenceColumn = sequenceColumn
        self.currentSequence = currentSequence
        self.raiseSequence = raiseSequence
        self.beginWrite = beginWrite
        self.beginRead = beginRead
        self.migrationLock = migrationLock
        self.beginMigration = beginMigration ?? beginWrite
    }
}

/// One connection to a database, used by one thread at a time (``SQLConnectionPool`` hands it
/// out). Statements use `$1`, `$2`, … placeholders.
public protocol SQLConnection: AnyObject {
    /// Runs `sql` with `parameters`; returns its rows (empty for a statement without a result).
    func query(_ sql: String, _ parameters: [SQLValue]) throws(SQLFailure) -> [[SQLValue]]
    /// Rows changed by the last INSERT, UPDATE or DELETE.
    func changes() -> Int
    /// Whether the connection can serve another transaction (a PostgreSQL connection the server
    /// closed cannot): the pool drops one that cannot, and opens a new one when needed.
    var isUsable: Bool { get }
    /// Runs `statements` in order as one batch and returns each one's rows and changed-row count.
    /// The first statement that fails stops the batch and its failure is thrown (the transaction
    /// is then rolled back by the caller). SQLite runs them one by one (in process, no round
    /// trips); PostgreSQL sends them in one pipeline: one round trip for the whole batch.
    func batch(_ statements: [SQLStatement]) throws(SQLFailure) -> [SQLResult]
    /// Round trips to the database server so far (0 for SQLite, which runs in process).
    var roundTrips: Int { get }
}

/// One statement of a ``SQLConnection/batch(_:)``.
public struct SQLStatement: Sendable {
    public var sql: String
    public var parameters: [SQLValue]
    public init(_ sql: String, _ parameters: [SQLValue] = []) {
        self.sql = sql
        self.parameters = parameters
    }
}

/// What one statement of a batch returned.
public struct SQLResult: Sendable {
    public var rows: [[SQLValue]]
    /// Rows changed (INSERT, UPDATE, DELETE).
    public var changes: Int
    public init(rows: [[SQLValue]], changes: Int) {
        self.rows = rows
        self.changes = changes
    }
}

extension SQLConnection {
    public var isUsable: Bool { true }
    public var roundTrips: Int { 0 }

    public func batch(_ statements: [SQLStatement]) throws(SQLFailure) -> [SQLResult] {
        var results: [SQLResult] = []
        for statement in statements {
            let rows = try query(statement.sql, statement.parameters)
            results.append(SQLResult(rows: rows, changes: changes()))
        }
        return results
    }

    /// Runs `sql` for its effect; returns the rows it changed.
    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue] = []) throws(SQLFailure) -> Int {
        _ = try query(sql, parameters)
        return changes()
    }

    /// The first column of the first row, if any.
    func value(_ sql: String, _ parameters: [SQLValue] = []) throws(SQLFailure) -> SQLValue? {
        try query(sql, parameters).first?.first
    }
}

/// Connections by thread: a verification takes an idle one (or opens one) and gives it back, so
/// threads verify at once on their own connections and no connection is ever shared by two.
public final class SQLConnectionPool: Sendable {
    /// Opens one more connection.
    public typealias Opener = @Sendable () throws(BankError) -> any SQLConnection
    public let dialect: SQLDialect
    /// Where the database is, for messages (a path, or the URI without its password).
    public let location: String
    private let open: Opener
    private let idle = Mutex<[UnsafeConnection]>([])
    /// At most this many connections wait idle; more are closed when given back.
    private let maxIdle: Int

    /// A connection passed between threads; the pool guarantees one user at a time.
    private struct UnsafeConnection: @unchecked Sendable { let connection: any SQLConnection }

    public init(dialect: SQLDialect, location: String, maxIdle: Int = 16, open: @escaping Opener) throws(BankError) {
        self.dialect = dialect
        self.location = location
        self.open = open
        self.maxIdle = maxIdle
        let first = try open()
        idle.withLock { $0.append(UnsafeConnection(connection: first)) }
    }

    /// Round trips to the server made by the connections now idle (``SQLConnection/roundTrips``):
    /// for tests that count them per operation.
    public var idleRoundTrips: Int { idle.withLock { $0.reduce(0) { $0 + $1.connection.roundTrips } } }

    /// Runs `body` with a connection of its own.
    func with<T>(_ body: (any SQLConnection) throws(BankError) -> T) throws(BankError) -> T {
        let connection: any SQLConnection
        if let reused = idle.withLock({ $0.popLast() }) { connection = reused.connection } else { connection = try open() }
        defer {
            let wrapped = UnsafeConnection(connection: connection)
            if connection.isUsable { idle.withLock { if $0.count < maxIdle { $0.append(wrapped) } } }
        }
        return try body(connection)
    }
}
