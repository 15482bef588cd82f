import Foundation
import Testing
import UKey
import UKeyBank

/// Results gathered from many threads.
final class Collected<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [T] = []
    func add(_ value: T) { lock.lock(); values.append(value); lock.unlock() }
    var all: [T] { lock.lock(); defer { lock.unlock() }; return values }
}

/// Hands out 0, 1, 2, … to many threads.
final class Ticket: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    func take() -> Int { lock.lock(); defer { next += 1; lock.unlock() }; return next }
}

/// Four `ukey-bank serve` processes on one bank (the directory's SQLite store, or one database on
/// a private PostgreSQL cluster): every signed transfer sent to all four at once is accepted
/// exactly once, the others are `challengeReused`, no 5xx, and each token's counter and daily
/// total in the store are exactly one transfer's.
@Suite(.serialized) struct BankServiceRaceTests {
    static let servers = 4
    static let workers = 8

    /// The issue's 1,000 transfers, from 8 client threads, on both engines (SQLite: four servers
    /// on one bank directory's file, one writer at a time).
    static let runs: [(Engine, Int)] = [(.sqlite, 1_000), (.postgres, 1_000)]

    @Test(arguments: runs)
    func fourServersOneBankEachTransferAcceptedOnce(engine: Engine, transfers: Int) throws {
        let bank = try TemporaryBank()
        let database = try engine.database()
        var processes: [BankServerProcess] = []
        defer { for process in processes { process.stop() } }
        for _ in 0..<Self.servers { processes.append(try BankServerProcess(bank: bank.url, arguments: databaseArguments(database))) }
        let ports = processes.map(\.port)

        // Distinct tokens (one token's counters would arrive out of order), challenges from the servers in turn.
        let tokens = try (0..<transfers).map { n in try SoftwareToken(serial: ServerFixtures.serial(1000 + n)) }
        let bodies = try tokens.enumerated().map { n, token in
            let issued = try BankServiceRouteTests.issue(port: ports[n % ports.count], serial: token.serial)
            return try jsonText(try token.sign(issued))
        }

        let replies = Collected<Result<HTTPReply, HTTPClientError>>()
        let next = Ticket()
        let workers = DispatchGroup()
        for _ in 0..<Self.workers {
            workers.enter()
            Thread.detachNewThread {
                defer { workers.leave() }
                while true {
                    let index = next.take()
                    guard index < bodies.count else { return }
                    let body = bodies[index]
                    let together = DispatchGroup()
                    for port in ports {
                        together.enter()
                        Thread.detachNewThread {
                            defer { together.leave() }
                            do {
                                replies.add(.success(try HTTPClient.post(port: port, "/v1/transfers", json: body)))
                            } catch let error as HTTPClientError {
                                replies.add(.failure(error))
                            } catch {
                                replies.add(.failure(HTTPClientError(description: "\(error)")))
                            }
                        }
                    }
                    together.wait()
                }
            }
        }
        workers.wait()

        var accepted = 0, reused = 0, other: [String] = []
        for result in replies.all {
            switch result {
            case .failure(let error): other.append(error.description)
            case .success(let reply):
                guard reply.status == 200, let verdict = try? JSONDecoder().decode(TransferVerdict.self, from: Data(reply.body)) else {
                    other.append(reply.description)
                    continue
                }
                switch verdict {
                case .accepted: accepted += 1
                case .rejected(.challengeReused): reused += 1
                case .rejected(let rejection): other.append(rejection.code)
                }
            }
        }
        #expect(replies.all.count == transfers * Self.servers)
        #expect(accepted == transfers)
        #expect(reused == transfers * (Self.servers - 1))
        #expect(other.isEmpty, "\(other.prefix(5))")

        // The servers' counters add up to the same.
        var acceptedCounted = 0, reusedCounted = 0
        for port in ports {
            let text = try HTTPClient.get(port: port, "/metrics").text
            acceptedCounted += Self.counter(text, #"ukey_bank_transfers_total{verdict="accepted"}"#)
            reusedCounted += Self.counter(text, #"ukey_bank_transfers_total{verdict="rejected",reason="challengeReused"}"#)
        }
        #expect(acceptedCounted == transfers)
        #expect(reusedCounted == transfers * (Self.servers - 1))

        // The store: each token's counter 1 and today's total one transfer, from any server.
        let hundred = DecimalAmount("100.00")!
        var wrong: [String] = []
        for (n, token) in tokens.enumerated() {
            let reply = try HTTPClient.get(port: ports[(n + 1) % ports.count], "/v1/tokens/\(token.serial.hexString)")
            guard reply.status == 200, let status = try? JSONDecoder().decode(BankTokenStatus.self, from: Data(reply.body)),
                  status.lastCounter == 1, !status.suspended, status.acceptedToday == ["CNY": hundred], status.overallToday == hundred
            else { wrong.append("\(token.serial.hexString): \(reply)"); continue }
        }
        #expect(wrong.isEmpty, "\(wrong.count) tokens: \(wrong.prefix(3))")
        for process in processes { #expect(process.stop() == 0) }
    }

    static func counter(_ text: String, _ name: String) -> Int {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Int(Double(line.dropFirst(name.count + 1)) ?? -1)
        }
        return -1
    }
}
