import PCSCTestSupport
import Foundation
import Testing

/// The vpcd + pcscd benchmark: an in-process token behind ``VPCDLink``, a private pcscd with
/// stock vpcd, and Scripts/vpcd_bench.py measuring p50 / p99 latency and APDUs per second for a
/// trivial APDU (GET DATA token info) and for RSA-1024 SIGN.
///
/// `UKEY_VPCD_BENCH=1 swift test --filter VPCDBenchmark` prints the JSON; `UKEY_VPCD_BENCH_COUNT`
/// and `UKEY_VPCD_BENCH_SIGN_COUNT` change the round-trip counts (2,000 and 500).
/// For the emulator process itself, Scripts/vpcd_bench.sh does the same around any command.
enum VPCDBenchmark {
    /// Runs the benchmark and returns vpcd_bench.py's JSON line.
    static func run(count: Int = 2_000, signCount: Int = 500) throws -> String {
        let fixture = try VPCDInteropFixture()
        defer { fixture.stop() }
        let output = try fixture.script("vpcd_bench.py", ["--mode", "all", "--count", "\(count)", "--sign-count", "\(signCount)"],
                                        environment: ["UKEY_PIN": VPCDTestToken.factoryPIN, "UKEY_NEW_PIN": VPCDTestToken.newPIN],
                                        timeout: 600)
        guard output.status == 0 else { throw PCSCDHarnessError("vpcd_bench.py failed: \(output)") }
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static var isRequested: Bool { ProcessInfo.processInfo.environment["UKEY_VPCD_BENCH"] == "1" }
}

@Suite(.serialized, .enabled(if: VPCDBenchmark.isRequested && VPCDInteropFixture.isAvailable, "set UKEY_VPCD_BENCH=1"))
struct VPCDBenchmarkTests {
    @Test("benchmark: round trips through pcscd + vpcd (trivial APDU and RSA-1024 SIGN)")
    func benchmark() throws {
        let environment = ProcessInfo.processInfo.environment
        let count = environment["UKEY_VPCD_BENCH_COUNT"].flatMap(Int.init) ?? 2_000
        let signCount = environment["UKEY_VPCD_BENCH_SIGN_COUNT"].flatMap(Int.init) ?? 500
        let json = try VPCDBenchmark.run(count: count, signCount: signCount)
        print("vpcd benchmark: \(json)")
        let result = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: [String: Double]]
        #expect(result?["trivial"]?["apdus_per_second"] != nil && result?["sign"]?["apdus_per_second"] != nil)
    }
}
