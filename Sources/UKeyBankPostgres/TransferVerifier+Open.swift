import UKeyBank
import Foundation

extension TransferVerifier {
    /// A verifier on the bank directory `directory` (its `ca-cert.pem`, its `policy.json` as a
    /// seed) with its state in `database`: `nil` for SQLite at `directory/bank.sqlite`, or a
    /// `postgresql://` URL (``PostgresURL``) for a database several bank servers share. Opening
    /// applies the schema migrations the database lacks.
    public static func open(directory: URL, database: String?,
                            now: @escaping @Sendable () -> Date = { Date() }) throws(BankError) -> TransferVerifier {
        guard let database else { return try TransferVerifier(directory: directory, now: now) }
        let bank = try BankDirectory(directory)
        let store = try SQLBankStore.postgres(database)
        return try TransferVerifier(directory: bank, store: store, trusting: bank.trustedCertificates(), now: now)
    }
}

extension SQLBankStore {
    /// The store in the PostgreSQL database at `url`, one connection per thread that uses it at once.
    public static func postgres(_ url: String) throws(BankError) -> SQLBankStore {
        let parsed: PostgresURL
        do throws(PostgresURLError) { parsed = try PostgresURL(parsing: url) } catch { throw .database(error.description) }
        let pool = try SQLConnectionPool(dialect: PostgresConnection.dialect, location: parsed.description) { () throws(BankError) in
            try PostgresConnection(parsed)
        }
        return try SQLBankStore(pool: pool)
    }
}
