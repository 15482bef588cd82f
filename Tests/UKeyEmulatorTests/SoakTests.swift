import Foundation
import PCSCTestSupport
import Testing
import UKey
#if canImport(Glibc)
import Glibc
#endif

/// Issue 7's soak: 8 client processes (`Scripts/soak_client.py`), two per token, send mixed
/// APDUs (SELECT, VERIFY, SIGN, CONFIRM TRANSFER approved by the emulator) in PC/SC transactions
/// through a private pcscd and libifd-ukey.so to `ukey emulator run --tokens 4` (``SoakStack``).
///
/// `UKEY_SOAK_APDUS` is the number of APDUs per client: 250 by default (2,000 in all, the
/// `make test` version); `make soak` sets 20,000 (160,000 in all).
@Suite("Soak: 8 clients through pcscd + libifd-ukey.so to 4 emulated tokens", .serialized,
       .enabled(if: SoakStack.available), .tags(.process))
struct SoakTests {
    static let clientsPerToken = 2
    /// The emulator's VmRSS may grow this much from the end of the warm-up (10% of the APDUs) to the end.
    static let allowedGrowth = 0.20

    static var apdusPerClient: Int {
        ProcessInfo.processInfo.environment["UKEY_SOAK_APDUS"].flatMap { Int($0) } ?? 250
    }

    @Test("zero wrong answers, pcscd and the emulator still up, the emulator's memory flat")
    func soak() async throws {
        let apdus = Self.apdusPerClient
        // Blocking work (processes, waits) runs on a thread of its own; the checks run here, in
        // the test's task, where Swift Testing attributes them to this test.
        let outcome = try await PCSCTestStack.blocking { try Self.run(apdusPerClient: apdus) }
        let reports = outcome.reports

        // Every client did all its APDUs and got nothing wrong.
        for (reader, report) in zip(outcome.readers, reports) {
            #expect(report.wrong == 0, "\(reader): \(report.wrong) wrong answers: \(report.problems)")
            #expect(report.apdus == apdus, "\(reader) sent \(report.apdus) of \(apdus) APDUs")
            #expect(report.signaturesChecked == report.counts["SIGN", default: 0] + report.counts["CONFIRM", default: 0],
                    "\(reader): every signature was checked")
        }
        #expect(outcome.pcscdUp, "pcscd is still up at the end")
        #expect(outcome.emulatorUp, "the emulator is still up at the end")

        // Per token: the transfer counter moved by exactly the CONFIRMs made and the
        // authentication counter by exactly the SIGNs, CONFIRM counters are unique, the two
        // clients took turns, and a sample of signatures verifies with OpenSSL.
        var handovers: [Int] = []
        for (index, token) in outcome.tokens.enumerated() {
            let own = Array(reports[(index * Self.clientsPerToken)..<((index + 1) * Self.clientsPerToken)])
            let confirms = own.reduce(0) { $0 + $1.counts["CONFIRM", default: 0] }
            let signs = own.reduce(0) { $0 + $1.counts["SIGN", default: 0] }
            let before = token.counters, after = outcome.countersAfter[index]
            #expect(after.transfer - before.transfer == confirms,
                    "token \(token.busid): transfer counter \(before.transfer) → \(after.transfer) for \(confirms) CONFIRMs")
            #expect(after.authentication - before.authentication == signs,
                    "token \(token.busid): authentication counter \(before.authentication) → \(after.authentication) for \(signs) SIGNs")
            let counters = own.enumerated().flatMap { client, report in report.counters.map { ($0, client) } }.sorted { $0.0 < $1.0 }
            #expect(Set(counters.map(\.0)).count == counters.count, "token \(token.busid): no CONFIRM counter twice")
            #expect(counters.allSatisfy { $0.0 > before.transfer && $0.0 <= after.transfer }, "token \(token.busid): counters in range")
            handovers.append(zip(counters, counters.dropFirst()).filter { $0.1 != $1.1 }.count)
            for report in own {
                #expect(!report.samples.isEmpty, "token \(token.busid): a sample of signatures")
                for sample in report.samples {
                    if sample.kind == "sign" {
                        let digest = Array(sample.signed.suffix(32))
                        #expect(sample.signed.starts(with: DigestAlgorithm.sha256.digestInfoPrefix)
                                && token.authenticationKey.verify(signature: sample.signature, digest: digest, algorithm: .sha256),
                                "token \(token.busid): a SIGN signature verifies with OpenSSL under the authentication key")
                        #expect(!token.transferKey.verify(signature: sample.signature, digest: digest, algorithm: .sha256),
                                "token \(token.busid): a SIGN signature never verifies under the transfer key")
                    } else {
                        #expect(token.transferKey.verify(signature: sample.signature, data: sample.signed),
                                "token \(token.busid): a CONFIRM signature verifies with OpenSSL under the transfer key")
                    }
                }
            }
        }
        #expect(handovers.allSatisfy { $0 >= 2 }, "the two clients of each token took turns (CONFIRM handovers \(handovers))")

        let memory = outcome.memory
        let total = reports.reduce(0) { $0 + $1.apdus }, wrong = reports.reduce(0) { $0 + $1.wrong }
        let growth = Double(memory.end - memory.warm) / Double(memory.warm)
        print("""
            soak: \(reports.count) clients × \(apdus) APDUs = \(total) APDUs in \(String(format: "%.1f", memory.seconds)) s \
            (\(String(format: "%.0f", Double(total) / memory.seconds)) APDUs/s); wrong answers \(wrong); \
            transactions \(reports.reduce(0) { $0 + $1.transactions }), resets \(reports.reduce(0) { $0 + $1.resetsMade }), \
            signatures checked \(reports.reduce(0) { $0 + $1.signaturesChecked }) (\(reports.reduce(0) { $0 + $1.samples.count }) \
            also by OpenSSL), CONFIRM handovers per token \(handovers)
            soak: emulator VmRSS after warm-up \(Self.kib(memory.warm)), end \(Self.kib(memory.end)), peak \(Self.kib(memory.peak)), \
            growth \(String(format: "%+.1f", growth * 100))% (limit \(Int(Self.allowedGrowth * 100))%); \
            pcscd up: \(outcome.pcscdUp), emulator up: \(outcome.emulatorUp)
            """)
        #expect(growth <= Self.allowedGrowth, "the emulator's VmRSS grew \(String(format: "%.1f", growth * 100))% after warm-up")
    }

    /// What a run leaves for the checks.
    struct Outcome: @unchecked Sendable {
        var tokens: [SoakStack.Token]
        /// The clients' readers and reports, two per token in the order of `tokens`.
        var readers: [String]
        var reports: [SoakClient.Report]
        /// Each token's counters at the end.
        var countersAfter: [SoakStack.Counters]
        var memory: Memory
        var pcscdUp: Bool
        var emulatorUp: Bool
    }

    /// Starts the stack and the clients, watches them to the end, collects everything, stops the stack.
    static func run(apdusPerClient apdus: Int) throws -> Outcome {
        let stack = try SoakStack()
        defer { stack.stop() }
        let clients = try stack.tokens.enumerated().flatMap { index, token in
            try (0..<clientsPerToken).map { copy in
                try SoakClient(token: token, apdus: apdus, seed: index * clientsPerToken + copy + 1, environment: stack.pcscd.environment)
            }
        }
        defer { clients.forEach { $0.kill() } }
        let memory = try watch(clients, stack: stack, total: apdus * clients.count)
        let reports = try clients.map { try $0.report() }
        let pcscdUp = stack.pcscd.isRunning, emulatorUp = stack.emulator.process.isRunning
        return Outcome(tokens: stack.tokens, readers: clients.map(\.token.reader), reports: reports,
                       countersAfter: try stack.tokens.map { try stack.info($0.busid).counters }, memory: memory,
                       pcscdUp: pcscdUp, emulatorUp: emulatorUp)
    }

    /// The emulator's VmRSS over the run.
    struct Memory {
        var warm: Int
        var end: Int
        var peak: Int
        var seconds: Double
    }

    /// Samples the emulator's VmRSS every 250 ms until every client has exited; "warm" is the
    /// first sample once the clients together sent 10% of `total`, "end" the one after the last
    /// client exited. Prints progress every 30 s. Kills the clients past a generous deadline.
    static func watch(_ clients: [SoakClient], stack: SoakStack, total: Int) throws -> Memory {
        let started = Date()
        let deadline = started.addingTimeInterval(max(300, Double(total) * 0.05))
        var warm: Int? = nil, peak = 0, lastPrint = started
        while clients.contains(where: \.isRunning) {
            let progress = clients.reduce(0) { $0 + $1.progress }
            if let rss = stack.emulatorResidentBytes {
                peak = max(peak, rss)
                if warm == nil && progress >= total / 10 { warm = rss }
            }
            if Date().timeIntervalSince(lastPrint) >= 30 {
                lastPrint = Date()
                print("soak: \(progress)/\(total) APDUs after \(Int(lastPrint.timeIntervalSince(started))) s, "
                      + "emulator VmRSS \(stack.emulatorResidentBytes.map(kib) ?? "?")")
                fflush(nil)  // `make soak` pipes the output through tee
            }
            guard Date() < deadline else {
                clients.forEach { $0.kill() }
                throw StackError("the soak ran past \(Int(deadline.timeIntervalSince(started))) s at \(progress)/\(total) APDUs")
            }
            usleep(250_000)
        }
        let seconds = Date().timeIntervalSince(started)
        guard let end = stack.emulatorResidentBytes else { throw StackError("the emulator is gone: no VmRSS at the end") }
        return Memory(warm: warm ?? end, end: end, peak: max(peak, end), seconds: seconds)
    }

    static func kib(_ bytes: Int) -> String { "\(bytes / 1024) KiB" }
}
