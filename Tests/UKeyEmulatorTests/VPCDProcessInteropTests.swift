import PCSCTestSupport
import Foundation
import Testing
import UKey

/// Interop through the real emulator process: private pcscd + stock vpcd + `ukey emulator run
/// --vpcd`, driven by opensc-tool and pyscard, the signature checked with the openssl CLI.
@Suite("vpcd interop with the ukey emulator process", .serialized, .tags(.process),
       .enabled(if: VPCDInteropFixture.isAvailable, "needs pcscd, vsmartcard-vpcd, opensc, python3-pyscard, openssl"))
struct VPCDProcessInteropTests {
    @Test("opensc-tool -l shows the reader with a card, -a the UKey ATR, -s SELECT and GET DATA answer 90 00")
    func openscTool() throws {
        let fixture = try VPCDProcessFixture()
        defer { fixture.stop() }
        let list = try fixture.openscTool(["-l"])
        #expect(list.status == 0, "\(list)")
        let line = list.stdout.split(separator: "\n").first { $0.contains(fixture.readerName) }
        #expect(line?.contains("Yes") == true, "the reader has a card: \(list.stdout)")
        let atr = try fixture.openscTool(["-r", fixture.readerName, "-a"])
        #expect(atr.stdout.lowercased().contains(VPCDTestToken.atrText), "\(atr)")
        let output = try fixture.openscTool(["-r", fixture.readerName, "-c", "default", "-s", "00A4040006F0554B45590100", "-s", "00CA010000"])
        #expect(output.status == 0, "\(output)")
        let text = output.stdout.uppercased()
        #expect(text.components(separatedBy: "SW1=0X90, SW2=0X00").count - 1 == 2, "two responses with 90 00: \(output)")
        #expect(text.contains("84 06 F0 55 4B 45 59 01"), "the FCI names the applet: \(output)")
        #expect(text.contains("C0 08 "), "the token info starts with the 8-byte serial: \(output)")
        #expect(text.contains("C3 01 03"), "factory state: 3 PIN tries: \(output)")
    }

    @Test("pyscard changes the factory PIN, generates a key and signs; openssl verifies the signature, not a changed message")
    func signAndVerify() throws {
        let fixture = try VPCDProcessFixture()
        defer { fixture.stop() }
        let out = fixture.file("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let run = try fixture.script("vpcd_sign.py", environment: [
            "UKEY_PIN": EmulatorHarness.factoryPIN, "UKEY_NEW_PIN": VPCDTestToken.newPIN, "UKEY_OUT": out,
        ])
        try #require(run.status == 0, "\(run)")
        #expect(!run.stdout.contains(VPCDTestToken.newPIN) && !run.stderr.contains(VPCDTestToken.newPIN), "no PIN in the output")
        let template = try #require([UInt8](hex: try String(contentsOfFile: out + "/pubkey.hex", encoding: .utf8)))
        let key = try RSAPublicKey(publicKeyTemplate: template)
        #expect(key.bitCount == 1024)
        try key.pem().write(toFile: out + "/pub.pem", atomically: true, encoding: .utf8)
        let verify = { (message: String) throws -> TestProcess.Output in
            try TestProcess.run(["/usr/bin/openssl", "dgst", "-sha256", "-verify", out + "/pub.pem",
                                 "-signature", out + "/signature.bin", out + "/" + message])
        }
        let good = try verify("message.bin")
        #expect(good.status == 0 && good.stdout.contains("Verified OK"), "\(good)")
        var tampered = try Data(contentsOf: URL(fileURLWithPath: out + "/message.bin"))
        tampered[0] ^= 0x01
        try tampered.write(to: URL(fileURLWithPath: out + "/tampered.bin"))
        #expect(try verify("tampered.bin").status != 0, "a changed message does not verify")
    }

    @Test("the median of 50 round trips through pcscd + vpcd + the emulator process is under 20 ms (no Nagle stall)")
    func roundTripMedian() throws {
        let fixture = try VPCDProcessFixture()
        defer { fixture.stop() }
        let run = try fixture.script("vpcd_bench.py", ["--mode", "trivial", "--count", "50", "--warmup", "5"])
        try #require(run.status == 0, "\(run)")
        let result = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: [String: Double]]
        let median = try #require(result?["trivial"]?["p50_ms"], "\(run.stdout)")
        #expect(median < 20, "median round trip \(median) ms; ~44 ms means TCP_NODELAY / TCP_QUICKACK is not working")
    }
}
