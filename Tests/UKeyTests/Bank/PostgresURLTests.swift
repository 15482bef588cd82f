import UKeyBankPostgres
import Testing

/// `--database` URLs: libpq's two URI forms parsed into connection keywords; every mistake is one
/// line naming it, without the password.
@Suite("PostgresURL: the --database URL forms")
struct PostgresURLTests {
    @Test("TCP and unix-socket forms give libpq's keywords", arguments: [
        ("postgresql://bank@db.example:5433/ledger", "user=bank dbname=ledger host=db.example port=5433"),
        ("postgresql://bank@db.example/ledger", "user=bank dbname=ledger host=db.example"),
        ("postgres://bank@127.0.0.1:5432/ledger", "user=bank dbname=ledger host=127.0.0.1 port=5432"),
        ("postgresql://bank@[::1]:5432/ledger", "user=bank dbname=ledger host=::1 port=5432"),
        ("postgresql://bank@/ledger?host=/run/pg", "user=bank dbname=ledger host=/run/pg"),
        ("postgresql://bank@/ledger?host=%2Ftmp%2Fx%20y&port=6000", "user=bank dbname=ledger host=/tmp/x y port=6000"),
        ("postgresql://bank:s%40cret@db/ledger?sslmode=require", "user=bank dbname=ledger password=s@cret host=db sslmode=require"),
    ])
    func parses(_ url: String, _ keywords: String) throws {
        let parsed = try PostgresURL(parsing: url)
        #expect(parsed.keywords.map { "\($0.0)=\($0.1)" }.joined(separator: " ") == keywords)
        #expect(!parsed.description.contains("cret"), "the password stays out of messages")
    }

    @Test("bad URLs are one-line errors naming what is wrong", arguments: [
        ("mysql://bank@db/ledger", "does not start with postgresql://"),
        ("postgresql://bank@db", "no database name (…/DB)"),
        ("postgresql://bank@db/", "empty database name"),
        ("postgresql://db:5432/ledger", "no user (postgresql://USER@…)"),
        ("postgresql://@db/ledger", "empty user name"),
        ("postgresql://bank@db:54x/ledger", "port \"54x\" is not a number from 1 to 65535"),
        ("postgresql://bank@db:0/ledger", "port \"0\" is not a number from 1 to 65535"),
        ("postgresql://bank@/ledger", "no host: postgresql://USER@HOST:PORT/DB or postgresql://USER@/DB?host=SOCKDIR"),
        ("postgresql://bank@/ledger?host=run/pg", "?host= must be an absolute socket directory, not \"run/pg\""),
        ("postgresql://bank@db/ledger?host=/run/pg", "host given twice (after @ and as ?host=)"),
        ("postgresql://bank@/ledger?hots=/run/pg", "unknown query parameter \"hots\""),
        ("postgresql://bank@/ledger?host", "query parameter \"host\" has no ="),
        ("postgresql://bank:pw%zz@db/ledger", "bad percent escape in the password"),
        ("postgresql://bank@[::1/ledger", "unclosed [ in the host"),
    ])
    func refuses(_ url: String, _ reason: String) {
        #expect(throws: PostgresURLError.self) { try PostgresURL(parsing: url) }
        do {
            _ = try PostgresURL(parsing: url)
        } catch {
            #expect(error.description == "database URL: " + reason)
            #expect(!error.description.contains("\n"))
        }
    }
}
