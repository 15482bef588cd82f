import UKeyTestCA
import UKeyBank
import CardOS
import COpenSSL
import Foundation
import HostPlatform
import ISO7816
import TokenDevice
import UKey

/// Issue 6's verifier benchmark: `TransferVerifier` checks per second next to plain OpenSSL
/// verification of the same RSA-1024 signature (`EVP_DigestVerifyInit` + `EVP_DigestVerify`
/// with the key already parsed), in interleaved rounds of the same run. The aim is within 20%
/// for the checks themselves (`check`, a dry run that reads the state but writes nothing); a
/// recorded verification (`verify`) also commits its transaction to `bank.sqlite` durably (WAL,
/// synchronous=FULL) and is reported separately, next to SQLite's floor (one INSERT + COMMIT),
/// as is a cold start (a new verifier: CA file, opening the store, `X509_verify_cert` of the chain).
/// BankStoreBenchmark has both engines and the history sizes.
enum VerifierBenchmark {
    static func run(secondsPerRound: Double, recordedPerRound: Int = 100) throws {
        let rounds = 3
        let bank = try Bank()
        defer { try? FileManager.default.removeItem(at: bank.directory) }
        // Two tokens: the probe's counter must stay the highest its token has had accepted (it
        // is checked again and again), the other token's transfers are recorded.
        let probeToken = try BenchToken(serial: [1, 2, 3, 4, 5, 6, 7, 8], bank: bank)
        let recordedToken = try BenchToken(serial: [1, 2, 3, 4, 5, 6, 7, 9], bank: bank)
        let verifier = try TransferVerifier(directory: bank.directory)
        guard let store = verifier.store as? SQLBankStore else { throw BenchmarkError.setupFailed("not an SQL store") }
        try store.execute("CREATE TABLE bench_floor (id BIGINT PRIMARY KEY, value TEXT NOT NULL)")
        let probe = try probeToken.signedTransfer(verifier)
        guard try verifier.check(probe).isAccepted else { throw BenchmarkError.setupFailed("check refused the probe transfer") }
        let reference = try PlainOpenSSLVerifier(certificate: probe.certificate)
        guard reference.verify(probe) else { throw BenchmarkError.setupFailed("plain OpenSSL refused the probe signature") }

        var plain: [Double] = [], checks: [Double] = [], recorded: [Double] = [], durable: [Double] = [], cold: [Double] = []
        for _ in 0..<rounds {
            plain.append(Measure.rate(seconds: secondsPerRound) { precondition(reference.verify(probe)) })
            checks.append(try Measure.rate(seconds: secondsPerRound) {
                guard try verifier.check(probe).isAccepted else { fatalError("check refused the probe") }
            })
            cold.append(try Measure.rate(seconds: secondsPerRound / 4) {
                guard try TransferVerifier(directory: bank.directory).check(probe).isAccepted else { fatalError("cold check refused") }
            })
            // Each recorded verification needs its own challenge and signature, made beforehand.
            let batch = try (0..<recordedPerRound).map { _ in try recordedToken.signedTransfer(verifier) }
            let seconds = try Measure.duration(count: 1) {
                for signed in batch {
                    guard try verifier.verify(signed).isAccepted else { fatalError("verify refused a fresh transfer") }
                }
            }
            recorded.append(Double(batch.count) / seconds)
            // The storage floor: one INSERT + COMMIT on the same store, as durable as verify's.
            let base = durable.count * batch.count
            durable.append(Double(batch.count) / (try Measure.duration(count: 1) {
                for index in batch.indices { try store.execute("INSERT INTO bench_floor (id, value) VALUES ($1, $2)", [.integer(Int64(base + index)), .text("x")]) }
            }))
        }
        let plainRate = Measure.median(plain)
        func row(_ name: String, _ rate: Double) {
            print("| \(name) | \(Measure.format(rate)) | \(Measure.format(rate / plainRate, 2)) |")
        }
        print("")
        print("## TransferVerifier vs plain OpenSSL (RSA-1024 PKCS#1 v1.5 SHA-256, median of \(rounds) interleaved rounds)")
        print("")
        print("| measurement | per second | ratio to plain OpenSSL verify |")
        print("|---|---:|---:|")
        row("plain OpenSSL EVP_DigestVerifyInit + EVP_DigestVerify, key parsed once (reference)", plainRate)
        row("TransferVerifier.check: every check, one read transaction on bank.sqlite, nothing written", Measure.median(checks))
        row("TransferVerifier.verify: every check + one SQLite transaction committed (WAL, synchronous=FULL)", Measure.median(recorded))
        row("storage floor: one SQLite INSERT + COMMIT, same durability (no checks)", Measure.median(durable))
        row("new TransferVerifier + check (cold: CA file, opening bank.sqlite, X509_verify_cert)", Measure.median(cold))
        let checkRatio = Measure.median(checks) / plainRate
        Headlines.add("TransferVerifier.check per second", ratio: checkRatio, reference: "plain OpenSSL verify",
                      aim: ("≥ 0.80 (within 20%)", checkRatio >= 0.8))
        Headlines.add("TransferVerifier.verify (recorded, durable) per second", ratio: Measure.median(recorded) / Measure.median(durable),
                      reference: "SQLite floor (INSERT + COMMIT, same durability)")
    }

    /// A bank directory with a fresh test CA.
    struct Bank {
        let directory: URL
        let ca: TestCertificateAuthority

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("ukey-bench-bank-\(getpid())")
            try? FileManager.default.removeItem(at: directory)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o700])
            ca = try TestCertificateAuthority()
            try ca.save(to: directory)
        }
    }

    /// A token in memory with an RSA-1024 transfer key that `bank`'s CA certified.
    struct BenchToken {
        let firmware: TokenFirmware<FirmwareBenchmark.BenchPlatform>
        let certificate: [UInt8]

        init(serial: [UInt8], bank: Bank) throws {
            firmware = try FirmwareBenchmark.personalizedFirmware(serial: serial)
            guard case .response(let reply) = firmware.card.process([UInt8](hex: "0047810100")!), reply.suffix(2) == [0x90, 0x00] else {
                throw BenchmarkError.setupFailed("READ PUBLIC KEY")
            }
            let key = try RSAPublicKey(publicKeyTemplate: Array(reply.dropLast(2)))
            certificate = try bank.ca.issue(for: key, subject: "CN=Bench Holder, serialNumber=\(serial.hexString)")
        }

        /// A fresh challenge from `verifier` for a 100 CNY transfer, confirmed on the token.
        func signedTransfer(_ verifier: TransferVerifier) throws -> SignedTransfer {
            let transfer = Transfer(payeeAccount: "1234567890", payeeName: "Alice", amount: "100.00", currency: "CNY")
            let issued = try verifier.issueChallenge(for: transfer)
            let confirm = try CommandAPDU(cla: 0x80, ins: 0xC0, p1: 0, p2: 0, data: issued.commandData, ne: 65_536).bytes
            guard firmware.card.process(confirm) == .waiting else { throw BenchmarkError.setupFailed("CONFIRM did not wait") }
            var reply: [UInt8]? = nil
            while reply == nil { reply = firmware.card.press(.ok) }
            guard let reply, reply.suffix(2) == [0x90, 0x00], let template = try? TLV(parsing: reply.dropLast(2)),
                  let children = try? template.children(), let dtbs = children.first(0x70), let signature = children.first(0x9E)
            else { throw BenchmarkError.setupFailed("CONFIRM TRANSFER reply") }
            return try SignedTransfer(dtbs: dtbs.bytes, signature: signature.value, certificate: certificate)
        }
    }
}

/// The reference: what an application checking one RSA-1024 PKCS#1 v1.5 SHA-256 signature with
/// OpenSSL's EVP API does per signature, its key parsed from the certificate once.
final class PlainOpenSSLVerifier {
    private let key: OpaquePointer

    init(certificate der: [UInt8]) throws {
        let x509 = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        }
        guard let x509 else { throw BenchmarkError.openSSL("d2i_X509") }
        defer { X509_free(x509) }
        guard let key = X509_get_pubkey(x509) else { throw BenchmarkError.openSSL("X509_get_pubkey") }
        self.key = key
    }

    deinit { EVP_PKEY_free(key) }

    func verify(_ signed: SignedTransfer) -> Bool {
        let context = EVP_MD_CTX_new()
        defer { EVP_MD_CTX_free(context) }
        return EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1
            && EVP_DigestVerify(context, signed.signature, signed.signature.count, signed.dtbs, signed.dtbs.count) == 1
    }
}
