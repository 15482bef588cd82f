import Foundation
import Logging
import UKey
import UKeyBank
import UKeyBankServer
#if canImport(Glibc)
import Glibc
#endif

/// Issue 17's service benchmark: recorded verifications per second through `POST /v1/transfers`
/// of an in-process `ukey-bank` server (Hummingbird on loopback) next to `TransferVerifier.verify`
/// called directly on the same kind of bank directory, in interleaved rounds of the same run, with
/// the same number of verifications at once on both sides: `clients` threads (2 × cores), each
/// with its own token, calling the verifier or sending over its own keep-alive connection.
enum BankHTTPBenchmark {
    static func run(perRound: Int = 400, clients: Int = 2 * ProcessInfo.processInfo.activeProcessorCount) async throws {
        let rounds = 3
        let bank = try VerifierBenchmark.Bank()
        defer { try? FileManager.default.removeItem(at: bank.directory) }
        // One token per client: a token's counters must arrive in order, so each client sends its
        // own token's transfers one after the other.
        let tokens = try (0..<clients).map { try VerifierBenchmark.BenchToken(serial: [1, 2, 3, 4, 5, 6, 7, UInt8(0x10 + $0)], bank: bank) }
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
        let connections = try (0..<clients).map { _ in try BenchHTTP(port: port) }

        var direct: [Double] = [], http: [Double] = []
        for _ in 0..<rounds {
            let batches = try tokens.map { token in try (0..<perRound / clients).map { _ in try token.signedTransfer(verifier) } }
            let accepted = Counter()
            let directSeconds = Measure.duration(count: 1) {
                parallel(clients) { client in
                    for signed in batches[client] where (try? verifier.verify(signed).isAccepted) == true { accepted.add() }
                }
            }
            let sent = batches.reduce(0) { $0 + $1.count }
            guard accepted.value == sent else { throw BenchmarkError.setupFailed("verify accepted \(accepted.value) of \(sent) fresh transfers") }
            direct.append(Double(sent) / directSeconds)

            let bodies = try tokens.map { token in
                try (0..<perRound / clients).map { _ in Array(try JSONEncoder().encode(try token.signedTransfer(verifier))) }
            }
            let acceptedHTTP = Counter()
            let seconds = Measure.duration(count: 1) {
                parallel(clients) { client in
                    for body in bodies[client] {
                        if let reply = try? connections[client].post(path: "/v1/transfers", body: body),
                           reply.contains(#""verdict":"accepted""#) { acceptedHTTP.add() }
                    }
                }
            }
            guard acceptedHTTP.value == sent else {
                throw BenchmarkError.setupFailed("HTTP accepted \(acceptedHTTP.value) of \(sent) fresh transfers")
            }
            http.append(Double(sent) / seconds)
        }
        let directRate = Measure.median(direct), httpRate = Measure.median(http)
        print("")
        print("## Bank service: POST /v1/transfers vs TransferVerifier.verify (median of \(rounds) interleaved rounds, \(perRound) each)")
        print("")
        print("| measurement | per second | ratio to in-process verify |")
        print("|---|---:|---:|")
        print("| TransferVerifier.verify in process, \(clients) threads (reference) | \(Measure.format(directRate)) | 1.00 |")
        print("| POST /v1/transfers, \(clients) loopback clients, each on one keep-alive connection | \(Measure.format(httpRate)) | \(Measure.format(httpRate / directRate, 2)) |")
        print("\nBoth sides run \(clients) verifications at once (2 × cores), each thread or client with its own token; SQLite store.")
        Headlines.add("HTTP POST /v1/transfers per second", ratio: httpRate / directRate, reference: "TransferVerifier.verify in process, same concurrency",
                      aim: ("≥ 0.5", httpRate / directRate >= 0.5))
    }

    /// Runs `body(0)` … `body(count - 1)` on `count` threads of their own, all at once (Dispatch's
    /// concurrentPerform would run only as many at once as there are cores), and waits for them.
    static func parallel(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let group = DispatchGroup()
        for index in 0..<count {
            group.enter()
            Thread.detachNewThread {
                body(index)
                group.leave()
            }
        }
        group.wait()
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

/// One keep-alive HTTP/1.1 connection to 127.0.0.1, used by one thread: a blocking POST at a
/// time, the reply read by its Content-Length.
final class BenchHTTP: @unchecked Sendable {
    private let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchmarkError.setupFailed("socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw BenchmarkError.setupFailed("connect to \(port)") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    /// POSTs `body` to `path`; returns the reply's body as text.
    func post(path: String, body: [UInt8]) throws -> String {
        let head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        let request = Array(head.utf8) + body
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw BenchmarkError.setupFailed("send") }
            sent += n
        }
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while true {
            if headEnd == nil, let end = Self.find(separator, in: buffer) { headEnd = end + separator.count }
            if let headEnd {
                let headText = String(decoding: buffer[..<headEnd], as: UTF8.self).lowercased()
                guard let line = headText.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                      let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
                else { throw BenchmarkError.setupFailed("a reply without Content-Length") }
                if buffer.count >= headEnd + length {
                    let reply = String(decoding: buffer[headEnd..<(headEnd + length)], as: UTF8.self)
                    buffer.removeFirst(headEnd + length)
                    return reply
                }
            }
            var chunk = [UInt8](repeating: 0, count: 16384)
            let n = recv(fd, &chunk, chunk.count, 0)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw BenchmarkError.setupFailed("the server closed the connection") }
            buffer += chunk[0..<n]
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
        return nil
    }
}
