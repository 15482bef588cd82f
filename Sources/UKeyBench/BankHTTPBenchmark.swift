import Foundation
import Logging
import UKey
import UKeyBank
import UKeyBankServer
#if canImport(Glibc)
import Glibc
#endif

/// Issue 17's service benchmark: recorded verifications per second through `POST /v1/transfers`
/// of an in-process `ukey-bank` server (Hummingbird on loopback, `clients` blocking clients, one
/// connection per request) next to `TransferVerifier.verify` called directly on the same kind of
/// bank directory, in interleaved rounds of the same run.
enum BankHTTPBenchmark {
    static func run(perRound: Int = 200, clients: Int = 4) async throws {
        let rounds = 3
        let bank = try VerifierBenchmark.Bank()
        defer { try? FileManager.default.removeItem(at: bank.directory) }
        // One token per client: a token's counters must arrive in order, so each client sends its
        // own token's transfers one after the other.
        let tokens = try (0..<clients).map { try VerifierBenchmark.BenchToken(serial: [1, 2, 3, 4, 5, 6, 7, UInt8(0x10 + $0)], bank: bank) }
        let token = tokens[0]
        let verifier = try TransferVerifier(directory: bank.directory)

        var logger = Logger(label: "ukey-bank-bench")
        logger.logLevel = .critical // the server's cancellation at the end is logged as an error
        let bound = BoundPort()
        let server = Task {
            try await BankService.serve(verifier: verifier, host: "127.0.0.1", port: 0, logger: logger) { address in
                bound.set(Int(address.split(separator: ":").last ?? "") ?? 0) // http://127.0.0.1:PORT
            }
        }
        defer { server.cancel() }
        let port = try await bound.wait()

        var direct: [Double] = [], http: [Double] = []
        for _ in 0..<rounds {
            let batch = try (0..<perRound).map { _ in try token.signedTransfer(verifier) }
            direct.append(Double(batch.count) / (try Measure.duration(count: 1) {
                for signed in batch {
                    guard try verifier.verify(signed).isAccepted else { fatalError("verify refused a fresh transfer") }
                }
            }))
            let bodies = try tokens.map { token in
                try (0..<perRound / clients).map { _ in Array(try JSONEncoder().encode(try token.signedTransfer(verifier))) }
            }
            let accepted = Counter()
            let seconds = Measure.duration(count: 1) {
                DispatchQueue.concurrentPerform(iterations: clients) { client in
                    for body in bodies[client] {
                        if let reply = try? BenchHTTP.post(port: port, path: "/v1/transfers", body: body),
                           reply.contains(#""verdict":"accepted""#) { accepted.add() }
                    }
                }
            }
            let sent = bodies.reduce(0) { $0 + $1.count }
            guard accepted.value == sent else {
                throw BenchmarkError.setupFailed("HTTP accepted \(accepted.value) of \(sent) fresh transfers")
            }
            http.append(Double(sent) / seconds)
        }
        let directRate = Measure.median(direct), httpRate = Measure.median(http)
        print("")
        print("## Bank service: POST /v1/transfers vs TransferVerifier.verify (median of \(rounds) interleaved rounds, \(perRound) each)")
        print("")
        print("| measurement | per second | ratio to in-process verify |")
        print("|---|---:|---:|")
        print("| TransferVerifier.verify in process (reference) | \(Measure.format(directRate)) | 1.00 |")
        print("| POST /v1/transfers, \(clients) loopback clients, a connection per request | \(Measure.format(httpRate)) | \(Measure.format(httpRate / directRate, 2)) |")
        Headlines.add("HTTP POST /v1/transfers per second", ratio: httpRate / directRate, reference: "TransferVerifier.verify in process",
                      aim: ("≥ 0.5", httpRate / directRate >= 0.5))
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func add() { lock.lock(); count += 1; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    }

    /// The port the server reports once bound.
    final class BoundPort: @unchecked Sendable {
        private let lock = NSLock()
        private var port: Int?
        func set(_ value: Int) { lock.withLock { port = value } }
        func wait() async throws -> Int {
            for _ in 0..<6000 {
                if let value = lock.withLock({ port }) { return value }
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            throw BenchmarkError.setupFailed("the bank service did not bind within 60 s")
        }
    }
}

/// One blocking HTTP/1.1 POST on a fresh loopback connection; returns the whole reply as text.
enum BenchHTTP {
    static func post(port: Int, path: String, body: [UInt8]) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchmarkError.setupFailed("socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw BenchmarkError.setupFailed("connect") }
        let head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        let request = Array(head.utf8) + body
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw BenchmarkError.setupFailed("send") }
            sent += n
        }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            reply += buffer[0..<n]
        }
        return String(decoding: reply, as: UTF8.self)
    }
}
