import Foundation
import ISO7816
import PCSCTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// One `Scripts/soak_client.py` process (pyscard, `/usr/bin/python3`) on one token: its
/// "progress N" lines are read while it runs, its final JSON line is its report. The PIN and the
/// token's public key reach it through the environment, never argv.
final class SoakClient: @unchecked Sendable {
    /// The client's final report (see the script's doc comment).
    struct Report {
        var apdus: Int
        var counts: [String: Int]
        var transactions: Int
        var resetsMade: Int
        var resetsSeen: Int
        var signaturesChecked: Int
        var wrong: Int
        var problems: [String]
        var counters: [Int]
        /// (kind, signed bytes, signature): "sign" signs a DigestInfo, "confirm" a DTBS.
        var samples: [(kind: String, signed: [UInt8], signature: [UInt8])]
    }

    static var script: String {
        Bundle.module.url(forResource: "Scripts", withExtension: nil)!.appendingPathComponent("soak_client.py").path
    }

    let token: SoakStack.Token
    let process = Process()
    let output = CollectedLines()
    let errors = CollectedLines()
    /// Signalled when stdout reaches its end.
    private let outputEnded = DispatchSemaphore(value: 0)

    init(token: SoakStack.Token, apdus: Int, seed: Int, environment: [String: String]) throws {
        self.token = token
        process.executableURL = URL(fileURLWithPath: SoakStack.nice[0])
        process.arguments = Array(SoakStack.nice.dropFirst()) + [PCSCDClient.python, Self.script, "--reader", token.reader, "--apdus", String(apdus), "--seed", String(seed),
                             "--progress", "50"]
        process.environment = environment.merging([
            "UKEY_PIN": SoakStack.pin, "UKEY_SOAK_SERIAL": token.serial,
            "UKEY_SOAK_TRANSFER_MODULUS": token.transferKey.modulus.hexString,
            "UKEY_SOAK_TRANSFER_EXPONENT": token.transferKey.exponent.hexString,
            "UKEY_SOAK_AUTH_MODULUS": token.authenticationKey.modulus.hexString,
            "UKEY_SOAK_AUTH_EXPONENT": token.authenticationKey.exponent.hexString,
        ]) { $1 }
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        Self.collect(stdout.fileHandleForReading, into: output, ended: outputEnded)
        Self.collect(stderr.fileHandleForReading, into: errors, ended: nil)
        try process.run()
    }

    /// APDUs sent so far (the last "progress" line).
    var progress: Int {
        output.all.last { $0.hasPrefix("progress ") }.flatMap { Int($0.dropFirst("progress ".count)) } ?? 0
    }

    var isRunning: Bool { process.isRunning }

    func kill() {
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The final JSON line, once the process has exited.
    func report() throws -> Report {
        process.waitUntilExit()
        _ = outputEnded.wait(timeout: .now() + 10)
        guard let line = output.all.last(where: { $0.hasPrefix("{") }),
              let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let apdus = json["apdus"] as? Int, let counts = json["counts"] as? [String: Int],
              let transactions = json["transactions"] as? Int, let wrong = json["wrong"] as? Int,
              let counters = json["counters"] as? [Int], let samples = json["samples"] as? [[String: String]] else {
            throw StackError("soak client on \(token.reader) printed no report (exit \(process.terminationStatus)):\n"
                             + (output.all.suffix(5) + errors.all.suffix(20)).joined(separator: "\n"))
        }
        return Report(apdus: apdus, counts: counts, transactions: transactions,
                      resetsMade: json["resets_made"] as? Int ?? 0, resetsSeen: json["resets_seen"] as? Int ?? 0,
                      signaturesChecked: json["signatures_checked"] as? Int ?? 0, wrong: wrong,
                      problems: json["problems"] as? [String] ?? [], counters: counters,
                      samples: samples.compactMap { sample in
                          guard let kind = sample["kind"], let signed = sample["signed"].flatMap({ [UInt8](hex: $0) }),
                                let signature = sample["signature"].flatMap({ [UInt8](hex: $0) }) else { return nil }
                          return (kind, signed, signature)
                      })
    }

    private static func collect(_ handle: FileHandle, into lines: CollectedLines, ended: DispatchSemaphore?) {
        Thread {
            defer { ended?.signal() }
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    lines.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending = Data(pending[(newline + 1)...])
                }
            }
        }.start()
    }
}
