import Foundation

/// Issue 19's benchmark: OATH CALCULATE ALL of 32 TOTP credentials (with SEND REMAINING, as
/// ykman sends it) per second through a private pcscd and our driver, against the same through
/// stock vpcd, in interleaved rounds of the same run (`Scripts/vpcd_bench.py --mode oath`).
enum OATHBenchmark {
    static let credentials = 32

    static func run(count: Int = 300) throws {
        guard let binary = BenchEmulator.binary() else {
            print("\n## OATH CALCULATE ALL: skipped (no `ukey` binary next to ukey-bench)")
            return
        }
        if let missing = BenchPCSCD.missing ?? BenchPCSCD.driverMissing {
            print("\n## OATH CALCULATE ALL: skipped (\(missing))")
            return
        }
        let vpcd = try EmulatorBenchmark.PCSCDPath(binary: binary, driver: false)
        defer { vpcd.stop() }
        let driver = try EmulatorBenchmark.PCSCDPath(binary: binary, driver: true)
        defer { driver.stop() }
        let rounds = 3
        var vpcdRounds: [EmulatorBenchmark.Latency] = [], driverRounds: [EmulatorBenchmark.Latency] = []
        var answerBytes = 0
        for _ in 0..<rounds {
            let v = try vpcd.measureOATH(count: count / rounds, credentials: credentials)
            let d = try driver.measureOATH(count: count / rounds, credentials: credentials)
            vpcdRounds.append(v.latency)
            driverRounds.append(d.latency)
            answerBytes = d.answerBytes
        }
        let v = EmulatorBenchmark.combine(vpcdRounds), d = EmulatorBenchmark.combine(driverRounds)
        print("")
        print("## OATH CALCULATE ALL, \(credentials) TOTP credentials (pyscard client; `00 A4 00 01`, then SEND REMAINING for each 61xx)")
        print("")
        print("\(rounds) interleaved rounds per path; an answer is \(answerBytes) bytes (\((answerBytes + 255) / 256) APDUs). Per second over all rounds, p50 / p99 the median of the rounds'.")
        print("")
        print("| path | CALCULATE ALL | per second | p50 | p99 | per second, driver ÷ vpcd |")
        print("|---|---:|---:|---:|---:|---:|")
        func row(_ path: String, _ l: EmulatorBenchmark.Latency, _ ratio: String) {
            print("| \(path) | \(l.count) | \(Measure.format(l.perSecond)) | \(Measure.format(l.p50 * 1000, 3)) ms | \(Measure.format(l.p99 * 1000, 3)) ms | \(ratio) |")
        }
        let ratio = d.perSecond / v.perSecond
        row("pyscard → pcscd → vpcd → emulator", v, "(reference)")
        row("pyscard → pcscd → libifd-ukey.so → USB/IP unix socket → emulator", d,
            Measure.format(ratio, 2) + (ratio >= 1 ? " ✓" : " ✗") + " (aim ≥ 1)")
        Headlines.add("driver OATH CALCULATE ALL (32 credentials) per second", ratio: ratio, reference: "stock vpcd", aim: ("≥ 1", ratio >= 1))
    }
}

extension EmulatorBenchmark.PCSCDPath {
    /// `vpcd_bench.py --mode oath`: RESET, PUT `credentials`, then `count` CALCULATE ALLs.
    func measureOATH(count: Int, credentials: Int) throws -> (latency: EmulatorBenchmark.Latency, answerBytes: Int) {
        let run = try EmulatorBenchmark.runPython([Self.script, "--mode", "oath", "--count", "\(count)", "--credentials", "\(credentials)"],
                                                  environment: environment)
        guard run.status == 0, let json = try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: [String: Double]],
              let oath = json["oath"] else {
            throw BenchError("vpcd_bench.py --mode oath failed: \(run.stdout)")
        }
        let latency = EmulatorBenchmark.Latency(count: Int(oath["count"] ?? 0), perSecond: oath["apdus_per_second"] ?? 0,
                                                p50: (oath["p50_ms"] ?? 0) / 1000, p99: (oath["p99_ms"] ?? 0) / 1000)
        return (latency, Int(oath["answer_bytes"] ?? 0))
    }
}
