import BankTestSupport
import Foundation
import UKeyBank
import UKeyBankPostgres
#if canImport(Glibc)
import Glibc
#endif

/// Issue 17's scale-out benchmark: recorded verifications per second through `POST /v1/transfers`
/// with 4 `ukey-bank serve` processes on one database of a private PostgreSQL cluster, next to 1
/// process on another database of the same cluster, in interleaved rounds of the same run. The
/// same load client both times: `clients` threads (2 × cores × 2), each with its own token and one
/// keep-alive connection, spread over the servers in turn. Challenges are issued beforehand by an
/// in-process verifier on the same database.
enum BankServersBenchmark {
    static func run(binary: String, perRound: Int = 400, clients: Int = 4 * ProcessInfo.processInfo.activeProcessorCount) throws {
        let rounds = 3
        let bank = try VerifierBenchmark.Bank()
        defer { try? FileManager.default.removeItem(at: bank.directory) }
        let tokens = try (0..<clients).map { try VerifierBenchmark.BenchToken(serial: [1, 2, 3, 4, 5, 6, 8, UInt8(0x10 + $0)], bank: bank) }

        struct Setup {
            let servers: [BankServer]
            let verifier: TransferVerifier
        }
        var setups: [Int: Setup] = [:]
        defer { for setup in setups.values { for server in setup.servers { server.stop() } } }
        for count in [1, 4] {
            let database = try PostgresCluster.makeDatabase()
            let verifier = try TransferVerifier.open(directory: bank.directory, database: database)
            let servers = try (0..<count).map { _ in try BankServer(binary: binary, bank: bank.directory, database: database) }
            setups[count] = Setup(servers: servers, verifier: verifier)
        }

        var rates: [Int: [Double]] = [1: [], 4: []]
        for _ in 0..<rounds {
            for count in [1, 4] {
                let setup = setups[count]!
                let connections = try (0..<clients).map { try BenchHTTP(port: setup.servers[$0 % count].port) }
                let bodies = try tokens.map { token in
                    try (0..<perRound / clients).map { _ in Array(try JSONEncoder().encode(try token.signedTransfer(setup.verifier))) }
                }
                let accepted = BankHTTPBenchmark.Counter()
                let seconds = Measure.duration(count: 1) {
                    BankHTTPBenchmark.parallel(clients) { client in
                        for body in bodies[client] {
                            if let reply = try? connections[client].post(path: "/v1/transfers", body: body),
                               reply.contains(#""verdict":"accepted""#) { accepted.add() }
                        }
                    }
                }
                let sent = bodies.reduce(0) { $0 + $1.count }
                guard accepted.value == sent else {
                    throw BenchmarkError.setupFailed("\(count) servers accepted \(accepted.value) of \(sent) fresh transfers")
                }
                rates[count]!.append(Double(sent) / seconds)
            }
        }
        let one = Measure.median(rates[1]!), four = Measure.median(rates[4]!)
        print("")
        print("## Bank service on PostgreSQL: 4 servers vs 1 (median of \(rounds) interleaved rounds, \(perRound) each)")
        print("")
        print("| measurement | per second | ratio to 1 server |")
        print("|---|---:|---:|")
        print("| POST /v1/transfers, 1 `ukey-bank serve` process (reference) | \(Measure.format(one)) | 1.00 |")
        print("| POST /v1/transfers, 4 `ukey-bank serve` processes on one database | \(Measure.format(four)) | \(Measure.format(four / one, 2)) |")
        print("\n\(clients) loopback clients (keep-alive, each its own token) both times, spread over the servers in turn; " +
              "one private PostgreSQL cluster (unix socket, fsync on), a fresh database for each setup; " +
              "\(ProcessInfo.processInfo.activeProcessorCount) cores shared by the servers, PostgreSQL and the client.")
        Headlines.add("HTTP POST /v1/transfers per second, 4 servers on one PostgreSQL", ratio: four / one, reference: "1 server, same load client")
    }

    /// `ukey-bank serve --listen 127.0.0.1:0` as a process, its port read from its listening line.
    final class BankServer {
        let process = Process()
        let port: Int

        init(binary: String, bank: URL, database: String) throws {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["serve", "--listen", "127.0.0.1:0", "--bank", bank.path, "--database", database, "--log-level", "error"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            var text = ""
            let reader = output.fileHandleForReading
            while !text.contains("\n") {
                let data = reader.availableData
                if data.isEmpty { break }
                text += String(decoding: data, as: UTF8.self)
            }
            guard let range = text.range(of: "listening on http://127.0.0.1:"),
                  let port = Int(text[range.upperBound...].prefix { $0.isNumber })
            else {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw BenchmarkError.setupFailed("ukey-bank serve printed no listening line: \(text)")
            }
            self.port = port
            // Keep draining its standard output, so the server never blocks on a full pipe.
            Thread.detachNewThread { while !reader.availableData.isEmpty {} }
        }

        func stop() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }

        /// `ukey-bank` next to `ukey-bench` (same build folder), or `UKEY_BANK_BINARY`.
        static func binary() -> String? {
            if let path = ProcessInfo.processInfo.environment["UKEY_BANK_BINARY"] { return path }
            let path = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
                .appendingPathComponent("ukey-bank").path
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }
    }
}
