import UKeyTestCA
import BankTestSupport
import UKeyBank
import UKeyBankPostgres
import Foundation
import Synchronization
import Testing
import UKey

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    /// Starts a minute ahead of the real time, so certificates the test CA issues during the test
    /// (notBefore: the real time of issue) are already valid.
    init(_ start: Date = Date().addingTimeInterval(60)) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }

    /// Moves the clock to a minute ahead of the real time if it fell behind that (never back).
    func keepAhead() {
        current.withLock { $0 = max($0, Date().addingTimeInterval(60)) }
    }

    func advance(seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// The closure a verifier reads.
    var closure: @Sendable () -> Date { { self.now } }
}

/// The bank's store engines, which every verifier test runs against (`@Test(arguments: Engine.allCases)`).
enum Engine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// `bank.sqlite` in the bank directory.
    case sqlite
    /// A fresh database on the private cluster (``PostgresCluster``).
    case postgres

    var testDescription: String { rawValue }
}

/// A bank directory in a fresh temporary folder, laid out as `ukey ca init --dir` leaves it
/// (`ca-key.pem`, `ca-cert.pem`), with an optional `policy.json`; removed when released. Its
/// store is SQLite in the directory, or a fresh PostgreSQL database for ``Engine/postgres``.
final class BankFixture: Sendable {
    let url: URL
    let clock: TestClock
    let engine: Engine
    /// The `--database` URL: `nil` for SQLite.
    let database: String?

    /// The bank's CA (shared by the tests: RSA-2048 key generation is slow).
    var ca: TestCertificateAuthority { CryptoFixtures.bank }

    init(engine: Engine = .sqlite, policy: BankPolicy? = nil, clock: TestClock = TestClock()) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ukey-bank-\(UUID().uuidString)")
        self.clock = clock
        self.engine = engine
        database = engine == .postgres ? try PostgresCluster.makeDatabase() : nil
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        try CryptoFixtures.bank.save(to: url)
        if let policy { try BankDirectory(url).savePolicy(policy) }
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// A verifier over this directory, reading the test clock.
    func verifier() throws -> TransferVerifier {
        try TransferVerifier.open(directory: url, database: database, now: clock.closure)
    }

    /// A verifier after the bank put `policy` in its store (the bank changed its rules).
    func verifier(policy: BankPolicy) throws -> TransferVerifier {
        let verifier = try verifier()
        try verifier.setPolicy(policy)
        return verifier
    }

    /// The path of a file in the directory.
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Transfers and tokens the verifier tests share.
enum BankFixtures {
    static let transfer = Transfer(payeeAccount: "DE89370400440532013000", payeeName: "Zhang San", amount: "100.00",
                                   currency: "CNY", reference: "Invoice 42")
    static let serialA: [UInt8] = [0x55, 0x4B, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0A]
    static let serialB: [UInt8] = [0x55, 0x4B, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0B]

    /// A personalized token whose certificate `ca` issues now (by the real clock).
    static func token(_ serial: [UInt8] = serialA, ca: TestCertificateAuthority = CryptoFixtures.bank,
                      subject: String? = nil) async throws -> BankTestToken {
        try await BankTestToken(serial: serial, ca: ca, subject: subject)
    }

    /// `transfer` with one field changed.
    static func altered(_ field: TransferField) -> Transfer {
        var copy = transfer
        switch field {
        case .payeeAccount: copy.payeeAccount = "GB33BUKB20201555555555"
        case .payeeName: copy.payeeName = "Mallory"
        case .amount: copy.amount = "1000.00"
        case .currency: copy.currency = "EUR"
        case .reference: copy.reference = "Invoice 43"
        }
        return copy
    }
}
