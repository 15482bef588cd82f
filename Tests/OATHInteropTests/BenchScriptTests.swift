import Foundation
import PCSCTestSupport
import Testing

/// The benchmark's client (`vpcd_bench.py --mode oath`, what `ukey-bench --oath-only` runs
/// through vpcd and through our driver) against this stack: 32 credentials, CALCULATE ALL with
/// SEND REMAINING, every answer whole.
extension YkmanTests {
    static let benchScript = URL(fileURLWithPath: OATHTools.packageRoot).appendingPathComponent("Tests/UKeyEmulatorTests/Scripts/vpcd_bench.py").path

    @Test func benchClientCalculatesAllThroughOurDriver() async throws {
        try await Self.withStack { stack in
            let output = try stack.run(["/usr/bin/python3", Self.benchScript, "--mode", "oath", "--count", "5", "--warmup", "1",
                                        "--credentials", "32"])
            try #require(output.status == 0, "\(output)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: [String: Double]])
            #expect(json["oath"]?["count"] == 5)
            // 32 × (71 0F "Bench:account00" + 76 05 digits code) = 768 bytes: three 256-byte parts.
            #expect(json["oath"]?["answer_bytes"] == 768)
            #expect((json["oath"]?["apdus_per_second"] ?? 0) > 0)
            // ykman lists what the bench put.
            let listed = try Self.ykman(OATHTools.debian, stack, ["oath", "accounts", "list"])
            #expect(listed.split(separator: "\n").count == 32)
        }
    }
}
