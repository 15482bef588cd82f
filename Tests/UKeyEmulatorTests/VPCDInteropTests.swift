import PCSCTestSupport
import Foundation
import Testing
import UKey
import UKeyEmulator

/// Interop with a real peer: a private pcscd + stock vsmartcard vpcd + ``VPCDLink`` with an
/// in-process token, driven by opensc-tool, pyscard and checked with the openssl CLI.
@Suite(.serialized, .enabled(if: VPCDInteropFixture.isAvailable, "needs pcscd, vsmartcard-vpcd, opensc, python3-pyscard, openssl"))
struct VPCDInteropTests {
    @Test("opensc-tool lists the vpcd reader and prints the UKey ATR")
    func readerAndATR() throws {
        let fixture = try VPCDInteropFixture()
        defer { fixture.stop() }
        let list = try fixture.openscTool(["-l"])
        #expect(list.status == 0, "\(list)")
        let line = list.stdout.split(separator: "\n").first { $0.contains(fixture.readerName) }
        #expect(line?.contains("Yes") == true, "the reader has a card: \(list.stdout)")
        let atr = try fixture.openscTool(["-r", fixture.readerName, "-a"])
        #expect(atr.stdout.lowercased().contains(VPCDTestToken.atrText), "\(atr)")
    }

    @Test("opensc-tool -s: SELECT answers the FCI and GET DATA the token info, both 90 00")
    func apdusThroughOpenSC() throws {
        let fixture = try VPCDInteropFixture()
        defer { fixture.stop() }
        let output = try fixture.openscTool(["-r", fixture.readerName, "-c", "default", "-s", "00A4040006F0554B45590100", "-s", "00CA010000"])
        #expect(output.status == 0, "\(output)")
        let text = output.stdout.uppercased()
        #expect(text.components(separatedBy: "SW1=0X90, SW2=0X00").count - 1 == 2, "two responses with 90 00: \(output)")
        #expect(text.contains("84 06 F0 55 4B 45 59 01"), "the FCI names the applet: \(output)")
        #expect(text.contains("C0 08 55 4B 00 00 00 00 00 01"), "the token info has the serial: \(output)")
    }

    @Test("pyscard changes the PIN, generates a key and signs; openssl verifies the signature")
    func signAndVerifyWithOpenSSL() throws {
        let fixture = try VPCDInteropFixture()
        defer { fixture.stop() }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ukey-sign-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try fixture.script("vpcd_sign.py", environment: [
            "UKEY_PIN": VPCDTestToken.factoryPIN, "UKEY_NEW_PIN": VPCDTestToken.newPIN, "UKEY_OUT": out.path,
        ])
        try #require(run.status == 0, "\(run)")
        #expect(!run.stdout.contains(VPCDTestToken.factoryPIN) && !run.stderr.contains(VPCDTestToken.newPIN))
        let template = try #require([UInt8](hex: try String(contentsOf: out.appendingPathComponent("pubkey.hex"), encoding: .utf8)))
        let key = try RSAPublicKey(publicKeyTemplate: template)
        #expect(key.bitCount == 1024)
        try key.pem().write(to: out.appendingPathComponent("pub.pem"), atomically: true, encoding: .utf8)
        let verify = { (message: String) throws -> TestProcess.Output in
            try TestProcess.run(["/usr/bin/openssl", "dgst", "-sha256", "-verify", out.appendingPathComponent("pub.pem").path,
                                     "-signature", out.appendingPathComponent("signature.bin").path,
                                     out.appendingPathComponent(message).path])
        }
        let good = try verify("message.bin")
        #expect(good.status == 0 && good.stdout.contains("Verified OK"), "\(good)")
        var tampered = try Data(contentsOf: out.appendingPathComponent("message.bin"))
        tampered[0] ^= 0x01
        try tampered.write(to: out.appendingPathComponent("tampered.bin"))
        let bad = try verify("tampered.bin")
        #expect(bad.status != 0, "a changed message does not verify: \(bad)")
    }

    @Test("the median of 50 round trips through pcscd + vpcd is under 20 ms (no Nagle stall)")
    func roundTripMedian() throws {
        let fixture = try VPCDInteropFixture()
        defer { fixture.stop() }
        let run = try fixture.script("vpcd_bench.py", ["--mode", "trivial", "--count", "50", "--warmup", "5"])
        try #require(run.status == 0, "\(run)")
        let result = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: [String: Double]]
        let median = try #require(result?["trivial"]?["p50_ms"], "\(run.stdout)")
        #expect(median < 20, "median round trip \(median) ms; 44 ms means TCP_NODELAY / TCP_QUICKACK is not working")
    }

    @Test("when vpcd restarts (pcscd restart), the link reconnects and the card is back")
    func reconnectsAfterVPCDRestart() throws {
        let fixture = try VPCDInteropFixture()
        defer { fixture.stop() }
        #expect(fixture.link.connectionCount == 1)
        try fixture.restartPCSCD()
        #expect(fixture.link.waitUntilConnected(count: 2, timeout: 10), "reconnected:\n\(fixture.trace.text)")
        try fixture.waitForCard()
        let output = try fixture.openscTool(["-r", fixture.readerName, "-c", "default", "-s", "00A4040006F0554B45590100"])
        #expect(output.stdout.uppercased().contains("SW1=0X90, SW2=0X00"), "\(output)")
    }
}
