import BankTestSupport
import Testing

/// Where a test's bank keeps its state: the directory's `bank.sqlite`, or a fresh database on the
/// private PostgreSQL cluster (``PostgresCluster``; without Debian's `postgresql` these tests fail).
enum Engine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// A fresh store's `--database` URL: `nil` for SQLite (the bank directory's own store).
    func database() throws -> String? {
        switch self {
        case .sqlite: return nil
        case .postgres: return try PostgresCluster.makeDatabase()
        }
    }
}

/// `--database URL`, or nothing for SQLite.
func databaseArguments(_ database: String?) -> [String] {
    database.map { ["--database", $0] } ?? []
}
