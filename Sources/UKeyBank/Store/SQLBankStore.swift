import UKey
import Foundation
import Synchronization

/// ``BankStore`` over SQL, the same statements on SQLite and PostgreSQL (``SQLDialect`` holds
/// the few differences). Schema (``BankSchema``): `challenges`, `tokens`, `daily_totals`,
/// `transfers` (the history of acceptances), `policy`, `bank_meta`, `schema_migrations`.
///
/// A verification is one write transaction (SQLite `BEGIN IMMEDIATE`; PostgreSQL `SERIALIZABLE`)
/// that reads the challenge's row, the token's row and the holder's row for the day, decides
/// with ``BankState/decide(_:certificateSubject:at:policy:)`` (the same pure checks as before),
/// and writes with conditional updates: `used_at IS NULL` for the challenge, the old counter for
/// the token, the old overall total for the holder. An update that changes no row means another
/// transaction got there first: the whole transaction runs again and then sees that (so a raced
/// challenge is `challengeReused`, never accepted twice). Conflicts the engine reports
/// (``SQLFailure/retry(_:)``) are retried the same way, up to ``maxAttempts`` times.
public final class SQLBankStore: BankStore {
    public let pool: SQLConnectionPool
    /// Attempts of one transaction before a conflict is reported as ``BankError/database(_:)``.
    static let maxAttempts = 200
    /// Challenges purged per issue.
    static let purgeBatch = 64

    /// The store on `pool`'s database; applies the migrations it lacks.
    public init(pool: SQLConnectionPool) throws(BankError) {
        self.pool = pool
        try migrate()
    }

    /// The SQLite store of a bank directory: `bank.sqlite` in it (created 0600).
    public static func sqlite(path: String) throws(BankError) -> SQLBankStore {
        let pool = try SQLConnectionPool(dialect: SQLiteConnection.dialect, location: path) { () throws(BankError) in
            try SQLiteConnection(path: path)
        }
        return try SQLBankStore(pool: pool)
    }

    private var dialect: SQLDialect { pool.dialect }

    // MARK: Transactions

    /// Runs `body` in one transaction, again from the start on a conflict.
    func transaction<T>(write: Bool, _ body: (any SQLConnection) throws(SQLFailure) -> T) throws(BankError) -> T {
        try transaction(begin: write ? dialect.beginWrite : dialect.beginRead, body)
    }

    private func transaction<T>(begin: String, _ body: (any SQLConnection) throws(SQLFailure) -> T) throws(BankError) -> T {
        try pool.with { (connection) throws(BankError) -> T in
            var lastConflict = ""
            for attempt in 0..<Self.maxAttempts {
                do throws(SQLFailure) {
                    try connection.execute(begin)
                    let result = try body(connection)
                    try connection.execute("COMMIT")
                    return result
                } catch {
                    _ = try? connection.execute("ROLLBACK")
                    switch error {
                    case .retry(let message):
                        lastConflict = message
                        usleep(UInt32(min(attempt, 20) * 200 + Int.random(in: 0...500)))
                    case .failed(let message):
                        throw .database("\(pool.location): \(message)")
                    }
                }
            }
            throw .database("\(pool.location): still conflicting after \(Self.maxAttempts) attempts: \(lastConflict)")
        }
    }

    private func migrate() throws(BankError) {
        try transaction(begin: dialect.beginMigration) { (c) throws(SQLFailure) in
            if let lock = dialect.migrationLock { try c.execute(lock) }
            try c.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
            let current = try c.value("SELECT coalesce(max(version), 0) FROM schema_migrations")?.integer ?? 0
            for migration in BankSchema.migrations(dialect) where migration.version > current {
                for statement in migration.statements { try c.execute(statement) }
                try c.execute("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                              [.integer(migration.version), .integer(Int64(Date().timeIntervalSince1970))])
            }
        }
    }

    /// The schema version of the database (the highest migration applied).
    public func schemaVersion() throws(BankError) -> Int {
        try transaction(write: false) { (c) throws(SQLFailure) in
            Int(try c.value("SELECT coalesce(max(version), 0) FROM schema_migrations")?.integer ?? 0)
        }
    }

    /// Runs `sql` with `parameters` in a write transaction of its own: maintenance, and the
    /// benchmark's history and floor.
    public func execute(_ sql: String, _ parameters: [SQLValue] = []) throws(BankError) {
        try transaction(write: true) { (c) throws(SQLFailure) in _ = try c.execute(sql, parameters) }
    }

    // MARK: Challenges

    public func issue(at now: Date, policy cache: BankPolicyCache,
                      _ make: (BankPolicy) throws(BankError) -> IssuedChallenge) throws(BankError) -> IssuedChallenge {
        try transaction(write: true) { (c) throws(SQLFailure) -> Result<IssuedChallenge, BankError> in
            let policy = try self.policy(c, cache)
            let challenge: IssuedChallenge
            do throws(BankError) { challenge = try make(policy) } catch { return .failure(error) }
            if let serial = challenge.tokenSerial?.hexString,
               try c.value("SELECT suspended_at FROM tokens WHERE serial = $1", [.text(serial)]).map({ $0 != .null }) == true {
                return .failure(.tokenSuspended(serial: serial))
            }
            let expires = Int64(challenge.expiresAt.timeIntervalSince1970)
            // The challenge and a purge batch in one batch (one round trip on PostgreSQL).
            _ = try c.batch([
                SQLStatement("INSERT INTO challenges (challenge, token_serial, expires_at, forget_at, issued) VALUES ($1, $2, $3, $4, $5)",
                             [.text(challenge.challenge.hexString), challenge.tokenSerial.map { .text($0.hexString) } ?? .null,
                              .integer(expires), .integer(expires + Int64(policy.challengeRetentionSeconds)), .text(try Self.json(challenge))]),
                purgeStatement(at: now, batch: Self.purgeBatch),
            ])
            return .success(challenge)
        }.get()
    }

    public func purgeChallenges(at now: Date, batch: Int) throws(BankError) -> Int {
        try transaction(write: true) { (c) throws(SQLFailure) in try purge(c, at: now, batch: batch) }
    }

    /// One batch through `challenges_forget_at` (the index on the forget time): no full scan.
    @discardableResult
    private func purge(_ c: any SQLConnection, at now: Date, batch: Int) throws(SQLFailure) -> Int {
        let statement = purgeStatement(at: now, batch: batch)
        return try c.execute(statement.sql, statement.parameters)
    }

    private func purgeStatement(at now: Date, batch: Int) -> SQLStatement {
        SQLStatement("DELETE FROM challenges WHERE seq IN (SELECT seq FROM challenges WHERE forget_at <= $1 ORDER BY forget_at LIMIT $2)",
                     [.integer(Int64(now.timeIntervalSince1970.rounded(.down))), .integer(Int64(batch))])
    }

    // MARK: Verification

    public func verify(_ signed: SignedTransfer, certificateSubject: String, at now: Date, policy cache: BankPolicyCache,
                       commit: Bool) throws(BankError) -> TransferVerdict {
        try transaction(write: commit) { (c) throws(SQLFailure) -> TransferVerdict in
            let (policy, loaded) = try load(c, signed, at: now, cache)
            let (verdict, usesChallenge) = loaded.state.decide(signed, certificateSubject: certificateSubject, at: now, policy: policy)
            guard commit, usesChallenge else { return verdict }
            try record(c, signed, verdict: verdict, loaded: loaded, at: now)
            return verdict
        }
    }

    /// The rows one verification reads, as the slice of ``BankState`` that decides it.
    private struct Loaded {
        var state = BankState()
        var token: BankState.TokenRecord?
        var holder = ""
        var dailyOverall: DecimalAmount?
    }

    /// The policy in force and the rows that decide `signed`, read in one batch (one round trip on
    /// PostgreSQL): the policy's version, the challenge, the token, and the daily total of the
    /// token's own holder key — read again for the challenge's account holder when it has one.
    private func load(_ c: any SQLConnection, _ signed: SignedTransfer, at now: Date,
                      _ cache: BankPolicyCache) throws(SQLFailure) -> (BankPolicy, Loaded) {
        var loaded = Loaded()
        let hex = signed.challenge.hexString
        let serial = signed.tokenSerial.hexString
        let day = BankTime.day(now)
        let known = cache.snapshot
        let tokenHolder = BankState.holderKey(nil, serialHex: serial)
        let results = try c.batch([
            policyStatement(known.version),
            SQLStatement("SELECT seq, expires_at, used_at, issued FROM challenges WHERE challenge = $1", [.text(hex)]),
            SQLStatement("SELECT last_counter, accepted_at_seq, suspended_at, suspended_last, suspended_got FROM tokens WHERE serial = $1",
                         [.text(serial)]),
            dailyStatement(holder: tokenHolder, day: day),
        ])
        let policy = try policy(results[0].rows, known: known, cache)
        var accountHolder: String?
        if let row = results[1].rows.first {
            let issued: IssuedChallenge? = try row[3].text.map { (text) throws(SQLFailure) in try decodeIssued(text) }
            accountHolder = issued?.accountHolder
            loaded.state.challenges[hex] = BankState.ChallengeRecord(
                sequence: UInt64(max(0, row[0].integer ?? 0)), expiresAt: Self.date(row[1]),
                usedAt: row[2] == .null ? nil : Self.date(row[2]), issued: issued)
        }
        if let row = results[2].rows.first {
            var token = BankState.TokenRecord(lastCounter: UInt32(clamping: row[0].integer ?? 0),
                                              acceptedAtSequence: UInt64(max(0, row[1].integer ?? 0)))
            if row[2] != .null {
                token.suspended = .init(at: Self.date(row[2]), last: UInt32(clamping: row[3].integer ?? 0),
                                        got: UInt32(clamping: row[4].integer ?? 0))
            }
            loaded.token = token
            loaded.state.tokens[serial] = token
        }
        loaded.holder = BankState.holderKey(accountHolder, serialHex: serial)
        let daily = loaded.holder == tokenHolder ? results[3].rows : try c.batch([dailyStatement(holder: loaded.holder, day: day)])[0].rows
        if let row = daily.first {
            let totals = try Self.decode([String: DecimalAmount].self, row[0].text ?? "{}")
            let overall = DecimalAmount(thousandths: row[1].integer ?? 0)
            loaded.dailyOverall = overall
            loaded.state.dailyTotals[loaded.holder] = BankState.DailyTotal(day: day, totals: totals, overall: overall)
        }
        return (policy, loaded)
    }

    private func dailyStatement(holder: String, day: String) -> SQLStatement {
        SQLStatement("SELECT totals, overall FROM daily_totals WHERE holder = $1 AND day = $2", [.text(holder), .text(day)])
    }

    /// Writes a verdict that used the challenge, each row by a conditional update, in one batch
    /// (one round trip on PostgreSQL); an update that finds its row changed makes the transaction
    /// run again (it is rolled back, so nothing of the batch stays).
    private func record(_ c: any SQLConnection, _ signed: SignedTransfer, verdict: TransferVerdict, loaded: Loaded,
                        at now: Date) throws(SQLFailure) {
        let at = Int64(now.timeIntervalSince1970.rounded(.down))
        let serial = signed.tokenSerial.hexString
        // Each statement with the reason to run again when it must change one row and changes none.
        var writes: [(SQLStatement, mustChange: String?)] = [
            (SQLStatement("UPDATE challenges SET used_at = $2, issued = NULL WHERE challenge = $1 AND used_at IS NULL",
                          [.text(signed.challenge.hexString), .integer(at)]), "the challenge was used meanwhile"),
        ]
        switch verdict {
        case .accepted(let accepted):
            if let token = loaded.token {
                writes.append((SQLStatement("UPDATE tokens SET last_counter = $2, accepted_at_seq = (\(dialect.currentSequence)) " +
                                            "WHERE serial = $1 AND last_counter = $3",
                                            [.text(serial), .integer(Int64(accepted.counter)), .integer(Int64(token.lastCounter))]),
                               "the token's counter moved meanwhile"))
            } else {
                writes.append((SQLStatement("INSERT INTO tokens (serial, last_counter, accepted_at_seq) VALUES ($1, $2, (\(dialect.currentSequence)))",
                                            [.text(serial), .integer(Int64(accepted.counter))]), nil))
            }
            var totals = loaded.state.dailyTotals[loaded.holder]?.totals ?? [:]
            totals[accepted.transfer.currency] = accepted.acceptedToday
            let totalsJSON = try Self.json(totals)
            if let before = loaded.dailyOverall {
                writes.append((SQLStatement("UPDATE daily_totals SET totals = $3, overall = $4 WHERE holder = $1 AND day = $2 AND overall = $5",
                                            [.text(loaded.holder), .text(accepted.day), .text(totalsJSON),
                                             .integer(accepted.overallToday.thousandths), .integer(before.thousandths)]),
                               "the holder's daily total moved meanwhile"))
            } else {
                writes.append((SQLStatement("INSERT INTO daily_totals (holder, day, totals, overall) VALUES ($1, $2, $3, $4)",
                                            [.text(loaded.holder), .text(accepted.day), .text(totalsJSON),
                                             .integer(accepted.overallToday.thousandths)]), nil))
            }
            writes.append((SQLStatement("""
                INSERT INTO transfers (challenge, token_serial, counter, holder, amount, currency, verified_at, day)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                """,
                [.text(signed.challenge.hexString), .text(serial), .integer(Int64(accepted.counter)), .text(loaded.holder),
                 .text(accepted.amount.description), .text(accepted.transfer.currency), .integer(at), .text(accepted.day)]), nil))
        case .rejected(.counterRegressed(let last, let got)):
            if loaded.token != nil {
                writes.append((SQLStatement("UPDATE tokens SET suspended_at = $2, suspended_last = $3, suspended_got = $4 WHERE serial = $1",
                                            [.text(serial), .integer(at), .integer(Int64(last)), .integer(Int64(got))]), nil))
            } else {
                writes.append((SQLStatement("""
                    INSERT INTO tokens (serial, last_counter, accepted_at_seq, suspended_at, suspended_last, suspended_got)
                    VALUES ($1, $2, 0, $3, $2, $4)
                    """, [.text(serial), .integer(Int64(last)), .integer(at), .integer(Int64(got))]), nil))
            }
        case .rejected:
            break
        }
        let results = try c.batch(writes.map(\.0))
        for (write, result) in zip(writes, results) {
            if let reason = write.mustChange, result.changes != 1 { throw .retry(reason) }
        }
    }

    // MARK: Tokens

    public func unsuspend(serial: [UInt8]) throws(BankError) -> Bool {
        try transaction(write: true) { (c) throws(SQLFailure) in
            try c.execute("UPDATE tokens SET suspended_at = NULL, suspended_last = NULL, suspended_got = NULL WHERE serial = $1 AND suspended_at IS NOT NULL",
                          [.text(serial.hexString)]) == 1
        }
    }

    public func isSuspended(serial: [UInt8]) throws(BankError) -> Bool {
        try transaction(write: false) { (c) throws(SQLFailure) in
            try c.value("SELECT suspended_at FROM tokens WHERE serial = $1", [.text(serial.hexString)]).map { $0 != .null } ?? false
        }
    }

    public func tokenStatus(serial: [UInt8], at now: Date) throws(BankError) -> BankTokenStatus? {
        let hex = serial.hexString
        let day = BankTime.day(now)
        return try transaction(write: false) { (c) throws(SQLFailure) -> BankTokenStatus? in
            let token = try c.query("SELECT last_counter, suspended_at, accepted_at_seq FROM tokens WHERE serial = $1", [.text(hex)]).first
            let daily = try c.query("SELECT totals, overall FROM daily_totals WHERE holder = $1 AND day = $2",
                                    [.text(BankState.holderKey(nil, serialHex: hex)), .text(day)]).first
            guard token != nil || daily != nil else { return nil }
            let totals = try daily.map { (row) throws(SQLFailure) in try Self.decode([String: DecimalAmount].self, row[0].text ?? "{}") } ?? [:]
            let overall = daily.map { DecimalAmount(thousandths: $0[1].integer ?? 0) } ?? .zero
            let everAccepted = token.map { $0[0].integer != 0 || daily != nil } ?? false
            return BankTokenStatus(serial: hex, lastCounter: everAccepted ? token.map { UInt32(clamping: $0[0].integer ?? 0) } : nil,
                                   suspended: token.map { $0[1] != .null } ?? false, day: day,
                                   acceptedToday: totals, overallToday: overall)
        }
    }

    // MARK: Policy

    public func policy() throws(BankError) -> BankPolicy? {
        let text = try transaction(write: false) { (c) throws(SQLFailure) in try c.value("SELECT policy FROM policy WHERE id = 1")?.text }
        guard let text else { return nil }
        do {
            return try JSONDecoder().decode(BankPolicy.self, from: Data(text.utf8))
        } catch {
            throw .database("\(pool.location): the stored policy does not decode: \(error)")
        }
    }

    public func policySource() throws(BankError) -> String? {
        try transaction(write: false) { (c) throws(SQLFailure) in try c.value("SELECT source FROM policy WHERE id = 1")?.text }
    }

    @discardableResult
    public func setPolicy(_ policy: BankPolicy, source: String?) throws(BankError) -> Int64 {
        try policy.validate()
        let text: String
        do throws(SQLFailure) { text = try Self.json(policy) } catch { throw .database("\(error)") }
        return try transaction(write: true) { (c) throws(SQLFailure) -> Int64 in
            if try c.execute("UPDATE policy SET policy = $1, source = $2, version = version + 1 WHERE id = 1",
                             [.text(text), source.map { .text($0) } ?? .null]) == 0 {
                try c.execute("INSERT INTO policy (id, policy, source, version) VALUES (1, $1, $2, 1)", [.text(text), source.map { .text($0) } ?? .null])
            }
            return try c.value("SELECT version FROM policy WHERE id = 1")?.integer ?? 0
        }
    }

    /// The store's policy version, raised by every ``setPolicy(_:source:)``; 0 before one was set.
    public func policyVersion() throws(BankError) -> Int64 {
        try transaction(write: false) { (c) throws(SQLFailure) in try c.value("SELECT version FROM policy WHERE id = 1")?.integer ?? 0 }
    }

    /// The policy in force in the transaction of `c`: one read of the policy row by its primary
    /// key, whose JSON comes back (and is decoded into `cache`) only when its version is not the
    /// one `cache` holds. A store without a policy row keeps the cache's.
    private func policy(_ c: any SQLConnection, _ cache: BankPolicyCache) throws(SQLFailure) -> BankPolicy {
        let known = cache.snapshot
        let statement = policyStatement(known.version)
        return try policy(try c.query(statement.sql, statement.parameters), known: known, cache)
    }

    private func policyStatement(_ knownVersion: Int64) -> SQLStatement {
        SQLStatement("SELECT version, CASE WHEN version = $1 THEN NULL ELSE policy END FROM policy WHERE id = 1", [.integer(knownVersion)])
    }

    private func policy(_ rows: [[SQLValue]], known: BankPolicyCache.Snapshot,
                        _ cache: BankPolicyCache) throws(SQLFailure) -> BankPolicy {
        guard let row = rows.first, let text = row[1].text else { return known.policy }
        let policy = try Self.decode(BankPolicy.self, text)
        cache.update(version: row[0].integer ?? 0, policy: policy)
        return policy
    }

    // MARK: Import

    public func importState(json: Data, policy: BankPolicy) throws(BankError) -> Bool {
        let retentionSeconds = policy.challengeRetentionSeconds
        let state: BankState
        do {
            state = try JSONDecoder().decode(BankState.self, from: json)
        } catch {
            throw .corruptFile(path: BankDirectory.stateFileName, reason: "not a bank state: \(error)")
        }
        return try transaction(write: true) { (c) throws(SQLFailure) -> Bool in
            guard try c.value("SELECT value FROM bank_meta WHERE key = 'imported_state'") == nil else { return false }
            var legacy: Int64 = 0
            for (hex, record) in state.challenges.sorted(by: { $0.key < $1.key }) {
                // Version 1 challenges have sequence 0: negative numbers keep them unique and
                // "issued before" every acceptance, as they were.
                let sequence: Int64
                if record.sequence == 0 { legacy -= 1; sequence = legacy } else { sequence = Int64(record.sequence) }
                let expires = Int64(record.expiresAt.timeIntervalSince1970)
                try c.execute("""
                    INSERT INTO challenges (seq, challenge, token_serial, expires_at, forget_at, used_at, issued)
                    VALUES ($1, $2, $3, $4, $5, $6, $7)
                    """,
                    [.integer(sequence), .text(hex), record.issued?.tokenSerial.map { .text($0.hexString) } ?? .null,
                     .integer(expires), .integer(expires + Int64(retentionSeconds)),
                     record.usedAt.map { .integer(Int64($0.timeIntervalSince1970)) } ?? .null,
                     try record.issued.map { (issued) throws(SQLFailure) in .text(try Self.json(issued)) } ?? .null])
            }
            try c.execute(dialect.raiseSequence, [.integer(Int64(state.challengeSequence))])
            for (serial, token) in state.tokens {
                try c.execute("""
                    INSERT INTO tokens (serial, last_counter, accepted_at_seq, suspended_at, suspended_last, suspended_got)
                    VALUES ($1, $2, $3, $4, $5, $6)
                    """,
                    [.text(serial), .integer(Int64(token.lastCounter)), .integer(Int64(token.acceptedAtSequence)),
                     token.suspended.map { .integer(Int64($0.at.timeIntervalSince1970)) } ?? .null,
                     token.suspended.map { .integer(Int64($0.last)) } ?? .null, token.suspended.map { .integer(Int64($0.got)) } ?? .null])
            }
            for (holder, daily) in state.dailyTotals {
                try c.execute("INSERT INTO daily_totals (holder, day, totals, overall) VALUES ($1, $2, $3, $4)",
                              [.text(holder), .text(daily.day), .text(try Self.json(daily.totals)),
                               .integer(state.overallTotal(of: daily, policy: policy).thousandths)])
            }
            try c.execute("INSERT INTO bank_meta (key, value) VALUES ('imported_state', $1)",
                          [.text(String(Int64(Date().timeIntervalSince1970)))])
            return true
        }
    }

    // MARK: Encoding

    private static func date(_ value: SQLValue) -> Date { Date(timeIntervalSince1970: TimeInterval(value.integer ?? 0)) }

    private static func json(_ value: some Encodable) throws(SQLFailure) -> String {
        do {
            return String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        } catch {
            throw .failed("cannot encode: \(error)")
        }
    }

    /// A challenge's intended transfer from its stored JSON, decoded once per text (JSON decoding
    /// was most of a dry-run check's cost): a challenge's text never changes while it can be used
    /// (it is set NULL when the challenge is used), and the cache is keyed by the whole text, so it
    /// gives exactly what decoding that text again would. At most 1,024 texts, then it starts over.
    private func decodeIssued(_ text: String) throws(SQLFailure) -> IssuedChallenge {
        if let cached = issuedCache.withLock({ $0.texts[text] }) { return cached }
        let issued = try Self.decode(IssuedChallenge.self, text)
        issuedCache.withLock { cache in
            if cache.texts.count >= 1_024 { cache.texts.removeAll(keepingCapacity: true) }
            cache.texts[text] = issued
            cache.decodes += 1
        }
        return issued
    }

    private let issuedCache = Mutex<(texts: [String: IssuedChallenge], decodes: Int)>((texts: [:], decodes: 0))

    /// How many challenge texts this store decoded (the rest came from its cache).
    public var challengeDecodes: Int { issuedCache.withLock { $0.decodes } }

    private static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws(SQLFailure) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw .failed("a stored \(type) does not decode: \(error)")
        }
    }
}
