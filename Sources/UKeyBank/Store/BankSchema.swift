/// The bank's tables, as versioned migrations applied in order at open (the highest applied is
/// in `schema_migrations`). A new version is appended, never edited.
///
///     challenges    seq (issue order), challenge (hex, unique), token_serial, expires_at, forget_at
///                   (expiry + retention, indexed: the purge's only path), used_at, issued (the
///                   intended transfer as JSON while the challenge can be used)
///     tokens        serial (hex), last_counter, accepted_at_seq, suspended_at / _last / _got
///     daily_totals  (holder, day): totals by currency (JSON), overall in base-currency thousandths
///     transfers     every acceptance: challenge, token, counter, holder, amount, currency, time, day
///     policy        the one row of BankPolicy (JSON), the policy.json text it came from, and
///                   its version (v2; raised by every setPolicy, read by every operation)
///     bank_meta     key/value: `imported_state` once a state.json was imported
///     otp_credentials (version 3) (holder, name): kind, algorithm, digits, period, sealed_secret (hex of
///                   nonce ‖ AES-256-GCM ciphertext ‖ tag, never the secret), counter (HOTP next),
///                   last_step (TOTP, -1 before the first), failures (consecutive)
///
/// Times are Unix seconds (BIGINT), bytes upper-case hex, amounts exact decimals (text) or thousandths.
enum BankSchema {
    struct Migration {
        let version: Int64
        let statements: [String]
    }

    static func migrations(_ dialect: SQLDialect) -> [Migration] {
        [
            Migration(version: 1, statements: [
                """
                CREATE TABLE challenges (
                    seq \(dialect.sequenceColumn),
                    challenge TEXT NOT NULL UNIQUE,
                    token_serial TEXT,
                    expires_at BIGINT NOT NULL,
                    forget_at BIGINT NOT NULL,
                    used_at BIGINT,
                    issued TEXT)
                """,
                "CREATE INDEX challenges_forget_at ON challenges (forget_at)",
                """
                CREATE TABLE tokens (
                    serial TEXT PRIMARY KEY,
                    last_counter BIGINT NOT NULL,
                    accepted_at_seq BIGINT NOT NULL,
                    suspended_at BIGINT,
                    suspended_last BIGINT,
                    suspended_got BIGINT)
                """,
                """
                CREATE TABLE daily_totals (
                    holder TEXT NOT NULL,
                    day TEXT NOT NULL,
                    totals TEXT NOT NULL,
                    overall BIGINT NOT NULL,
                    PRIMARY KEY (holder, day))
                """,
                """
                CREATE TABLE transfers (
                    challenge TEXT PRIMARY KEY,
                    token_serial TEXT NOT NULL,
                    counter BIGINT NOT NULL,
                    holder TEXT NOT NULL,
                    amount TEXT NOT NULL,
                    currency TEXT NOT NULL,
                    verified_at BIGINT NOT NULL,
                    day TEXT NOT NULL)
                """,
                "CREATE INDEX transfers_token ON transfers (token_serial, counter)",
                "CREATE TABLE policy (id INTEGER PRIMARY KEY CHECK (id = 1), policy TEXT NOT NULL, source TEXT)",
                "CREATE TABLE bank_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            ]),
            // The policy's version: every setPolicy raises it in its transaction; every challenge
            // and verification reads it (the one row, by primary key) in its own, so a running
            // verifier applies a policy another server set without reopening.
            Migration(version: 2, statements: [
                "ALTER TABLE policy ADD COLUMN version BIGINT NOT NULL DEFAULT 0",
            ]),
            Migration(version: 3, statements: [
                """
                CREATE TABLE otp_credentials (
                    holder TEXT NOT NULL,
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    algorithm TEXT NOT NULL,
                    digits BIGINT NOT NULL,
                    period BIGINT NOT NULL,
                    sealed_secret TEXT NOT NULL,
                    counter BIGINT NOT NULL,
                    last_step BIGINT NOT NULL,
                    failures BIGINT NOT NULL,
                    enrolled_at BIGINT NOT NULL,
                    PRIMARY KEY (holder, name))
                """,
            ]),
        ]
    }
}
