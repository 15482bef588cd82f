import Dispatch
import Foundation
import Hummingbird
import HummingbirdTLS
import ISO7816
import Logging
import Metrics
import Prometheus
import UKey
import UKeyBank
import UKeyBankPostgres

/// Why the bank service cannot start.
public struct BankServiceError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The bank as an HTTP service (ARCHITECTURE.md, "Bank service"): the routes over one
/// ``TransferVerifier``, JSON in and out, errors as `{"error", "field"}`, counters on `/metrics`.
///
/// | Route | Body | Answer |
/// |---|---|---|
/// | `POST /v1/challenges` | a ``Transfer`` (+ `tokenSerial`, `accountHolder`) | 201, the ``IssuedChallenge`` |
/// | `POST /v1/transfers` | a ``SignedTransfer`` (`ukey transfer sign`'s JSON) | 200, the ``TransferVerdict`` |
/// | `GET /v1/tokens/{serial}` | — | 200, the ``BankTokenStatus``; 404 for a token the bank never saw |
/// | `POST /v1/otp/verify` | `holder`, `credential`, `code` | 200, the ``OTPVerdict`` (`accepted`, `rejection`) |
/// | `POST /v1/otp/credentials` | the credential, secret in base32 | 201, its parameters (never the secret); 409 if it exists |
/// | `GET /healthz` | — | 200, `{"status": "ok"}` |
/// | `GET /metrics` | — | Prometheus text |
/// | `GET /openapi.json` | — | the OpenAPI 3.1 document |
public enum BankService {
    /// The largest request body read; a larger one is a 413.
    public static let maxBodyBytes = 64 * 1024

    /// The one place the service makes its verifier: the bank directory's trust anchor and
    /// policy.json seed, its state in `database` (a `postgresql://` URL several servers share) or,
    /// without one, in the directory's SQLite store `bank.sqlite`. Opening applies the schema
    /// migrations the database lacks.
    public static func makeVerifier(directory: URL, database: String?) throws -> TransferVerifier {
        try TransferVerifier.open(directory: directory, database: database)
    }

    /// The application's router: every route, behind the JSON error middleware.
    public static func router(verifier: TransferVerifier, metrics: BankMetrics, logger: Logger) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        router.add(middleware: MetricsMiddleware())
        let routes = BankRoutes(verifier: verifier, metrics: metrics, logger: logger)
        router.post("/v1/challenges") { request, context in try await routes.challenge(request, context) }
        router.post("/v1/transfers") { request, context in try await routes.transfer(request, context) }
        router.get("/v1/tokens/{serial}") { request, context in try await routes.token(request, context) }
        let otp = OTPRoutes(verifier: try? OTPVerifier(verifier), metrics: metrics, logger: logger)
        router.post("/v1/otp/verify") { request, context in try await otp.verify(request, context) }
        router.post("/v1/otp/credentials") { request, context in try await otp.enroll(request, context) }
        router.get("/healthz") { _, _ in routes.health() }
        router.get("/metrics") { _, _ in JSONResponse.bytes(status: .ok, metrics.text(), contentType: "text/plain; version=0.0.4") }
        router.get("/openapi.json") { _, _ in JSONResponse.bytes(status: .ok, openAPIDocument, contentType: "application/json") }
        return router
    }

    /// The OpenAPI 3.1 document of the routes (Sources/UKeyBankServer/openapi.json).
    public static let openAPIDocument: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
              let data = try? Data(contentsOf: url) else { return Array(#"{"error":"openapi.json is missing"}"#.utf8) }
        return Array(data)
    }()

    /// Runs the synchronous `body` (the verifier waits for its database: a SQLite commit's fsync,
    /// PostgreSQL round trips) on ``blockingPool``, off NIO's event loops and Swift's cooperative pool.
    static func offLoop<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            blockingPool.run { continuation.resume(with: Result { try body() }) }
        }
    }

    /// The pool ``offLoop(_:)`` runs on: as many threads as the machine has cores, so a burst of
    /// requests queues here instead of starting a thread each (a concurrent Dispatch queue had no limit).
    static let blockingPool = BlockingPool(threads: ProcessInfo.processInfo.activeProcessorCount)
}

/// A fixed number of threads running blocking jobs in order of arrival: never more at once than
/// ``threads``; the others wait in the queue.
final class BlockingPool: Sendable {
    let threads: Int
    private let condition = NSCondition()
    private nonisolated(unsafe) var jobs: [@Sendable () -> Void] = []
    private nonisolated(unsafe) var head = 0

    init(threads: Int) {
        self.threads = max(1, threads)
        for index in 0..<self.threads {
            let thread = Thread { self.work() } // the pool lives as long as the process
            thread.name = "ukey-bank-blocking-\(index)"
            thread.start()
        }
    }

    /// Queues `job`; one of the pool's threads runs it.
    func run(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while head == jobs.count { condition.wait() }
            let job = jobs[head]
            head += 1
            if head > 1_024, head * 2 > jobs.count { jobs.removeFirst(head); head = 0 }
            condition.unlock()
            job()
        }
    }
}

/// The handlers, each reading the whole (bounded) body first.
struct BankRoutes: Sendable {
    let verifier: TransferVerifier
    let metrics: BankMetrics
    let logger: Logger

    private func body(_ request: Request, route: String) async throws -> [UInt8] {
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: BankService.maxBodyBytes)
            return Array(buffer.readableBytesView)
        } catch {
            metrics.badRequest(route: route)
            throw BankAPIError(.contentTooLarge, "the request body is over \(BankService.maxBodyBytes) bytes", field: "body")
        }
    }

    /// Counts and rethrows a refusal of the request.
    private func refusing<T>(route: String, _ body: () throws(BankAPIError) -> T) throws(BankAPIError) -> T {
        do {
            return try body()
        } catch {
            metrics.badRequest(route: route)
            throw error
        }
    }

    /// `POST /v1/challenges`: the transfer's fields (as `ukey transfer challenge --transfer FILE`
    /// reads them) plus optional `tokenSerial` (hex) and `accountHolder`.
    func challenge(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let bytes = try await body(request, route: "challenges")
        let (transfer, serial, holder) = try refusing(route: "challenges") { () throws(BankAPIError) -> (Transfer, [UInt8]?, String?) in
            let fields = try RequestFields(body: bytes)
            try fields.onlyKeys(["payeeAccount", "payeeName", "amount", "currency", "reference", "tokenSerial", "accountHolder"])
            let transfer = try fields.transfer()
            let serial = try fields.optionalHex("tokenSerial")
            let holder = try fields.optionalString("accountHolder")
            if let holder, holder.isEmpty { throw .badRequest("accountHolder is empty", field: "accountHolder") }
            return (transfer, serial, holder)
        }
        let verifier = self.verifier
        let result: Result<IssuedChallenge, BankError> = try await BankService.offLoop {
            do throws(BankError) {
                return .success(try verifier.issueChallenge(for: transfer, tokenSerial: serial, accountHolder: holder))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let issued):
            metrics.challenge(issued: true)
            logger.info("challenge issued", metadata: ["token": "\(serial?.hexString ?? "-")", "expiresAt": "\(issued.expiresAt)"])
            return JSONResponse.make(status: .created, issued)
        case .failure(let error):
            switch error {
            case .refusedByPolicy(let rejection):
                metrics.challenge(issued: false)
                throw BankAPIError(.unprocessableContent, error.description, field: policyField(rejection))
            case .invalidTransfer:
                metrics.challenge(issued: false)
                throw BankAPIError(.unprocessableContent, error.description, field: "amount")
            case .tokenSuspended:
                metrics.challenge(issued: false)
                throw BankAPIError(.conflict, error.description, field: "tokenSerial")
            default:
                throw error
            }
        }
    }

    /// `POST /v1/transfers`: a signed transfer; the answer is the verdict (200 either way).
    func transfer(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let bytes = try await body(request, route: "transfers")
        let signed = try refusing(route: "transfers") { () throws(BankAPIError) -> SignedTransfer in try Self.signedTransfer(bytes) }
        let verifier = self.verifier
        let verdict = try await BankService.offLoop { () throws -> TransferVerdict in try verifier.verify(signed) }
        metrics.record(verdict)
        switch verdict {
        case .accepted(let details):
            logger.info("transfer accepted", metadata: ["token": "\(signed.tokenSerial.hexString)", "counter": "\(details.counter)"])
        case .rejected(let rejection):
            logger.notice("transfer rejected", metadata: ["token": "\(signed.tokenSerial.hexString)", "counter": "\(signed.counter)",
                                                          "reason": "\(rejection.code)"])
        }
        return JSONResponse.make(status: .ok, verdict)
    }

    /// The body's fields checked one by one (present, typed, hex), then the library's decoder
    /// (which re-reads the DTBS and compares it with the other fields).
    static func signedTransfer(_ bytes: [UInt8]) throws(BankAPIError) -> SignedTransfer {
        let fields = try RequestFields(body: bytes)
        try fields.onlyKeys(["transfer", "challenge", "tokenSerial", "counter", "dtbs", "signature", "certificate"])
        let transfer = try fields.nested("transfer")
        try transfer.onlyKeys(["payeeAccount", "payeeName", "amount", "currency", "reference"])
        for key in ["payeeAccount", "payeeName", "amount", "currency"] { _ = try transfer.string(key) }
        _ = try transfer.optionalString("reference")
        for key in ["challenge", "tokenSerial", "dtbs", "signature", "certificate"] { _ = try fields.hex(key) }
        _ = try fields.counter("counter")
        let (dtbs, signature, certificate) = (try fields.hex("dtbs"), try fields.hex("signature"), try fields.hex("certificate"))
        let signed: SignedTransfer
        do throws(SignedTransferError) {
            signed = try SignedTransfer(dtbs: dtbs, signature: signature, certificate: certificate)
        } catch {
            throw .badRequest(error.description, field: "dtbs")
        }
        if Transfer(payeeAccount: try transfer.string("payeeAccount"), payeeName: try transfer.string("payeeName"),
                    amount: try transfer.string("amount"), currency: try transfer.string("currency"),
                    reference: try transfer.optionalString("reference")) != signed.transfer {
            throw .badRequest("transfer differs from the signed DTBS", field: "transfer")
        }
        if try fields.hex("challenge") != signed.challenge { throw .badRequest("challenge differs from the signed DTBS", field: "challenge") }
        if try fields.hex("tokenSerial") != signed.tokenSerial {
            throw .badRequest("tokenSerial differs from the signed DTBS", field: "tokenSerial")
        }
        if try fields.counter("counter") != signed.counter { throw .badRequest("counter differs from the signed DTBS", field: "counter") }
        return signed
    }

    /// `GET /v1/tokens/{serial}`: what the bank knows of a token (``BankTokenStatus``: last
    /// counter, suspension, today's totals); 404 for a token the bank never saw.
    func token(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let text = context.parameters.get("serial") ?? ""
        guard text.count <= 64, !text.isEmpty, let serial = [UInt8](hex: text) else {
            metrics.badRequest(route: "tokens")
            throw BankAPIError(.badRequest, "serial is not hex (up to 32 bytes)", field: "serial")
        }
        let verifier = self.verifier
        let status = try await BankService.offLoop { () throws -> BankTokenStatus? in try verifier.tokenStatus(serial: serial) }
        guard let status else { throw BankAPIError(.notFound, "the bank never saw the token \(serial.hexString)", field: "serial") }
        return JSONResponse.make(status: .ok, status)
    }

    func health() -> Response {
        struct Health: Encodable { let status: String }
        return JSONResponse.make(status: .ok, Health(status: "ok"))
    }
}

extension BankService {
    /// Bootstraps swift-metrics with the Prometheus registry of `metrics` (once per process), so
    /// Hummingbird's own request metrics land on `/metrics` too.
    public static func bootstrapMetrics(_ metrics: BankMetrics) {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics.registry))
    }

    /// Serves until SIGTERM or SIGINT: binds `host:port` and calls `bound` with the base URL as
    /// bound (`http://HOST:PORT`, the real port when `port` is 0; `https://` with `tls`, a PEM
    /// certificate chain and its PEM private key, served through HummingbirdTLS / NIOSSL).
    public static func serve(verifier: TransferVerifier, host: String, port: Int, tls: (certificate: String, key: String)? = nil,
                             logger: Logger, bound: @escaping @Sendable (String) -> Void) async throws {
        let metrics = BankMetrics()
        bootstrapMetrics(metrics)
        let router = router(verifier: verifier, metrics: metrics, logger: logger)
        let scheme = tls == nil ? "http" : "https"
        let application = Application(
            router: router,
            server: try tls.map { try .tls(.http1(), tlsConfiguration: try tlsConfiguration(certificate: $0.certificate, key: $0.key)) } ?? .http1(),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "ukey-bank"),
            onServerRunning: { channel in
                bound("\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(channel.localAddress?.port ?? port)")
            },
            logger: logger)
        try await application.runService()
    }

    /// The server's TLS configuration from PEM files; a file that does not load is a one-line error
    /// naming it (never its contents).
    static func tlsConfiguration(certificate: String, key: String) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw BankServiceError("--tls-cert \(certificate): not a readable PEM certificate")
        }
        guard !chain.isEmpty else { throw BankServiceError("--tls-cert \(certificate): no certificate in it") }
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw BankServiceError("--tls-key \(key): not a readable PEM private key")
        }
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
    }
}
