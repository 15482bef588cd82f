import Foundation
import PCSCTestSupport
import Testing

/// Issue 20: `ukey emulator run --pcap FILE` and `ukey emulator capture start|stop` write the USB
/// traffic as a usbmon pcap that tshark 4.0 decodes as CCID and ISO 7816 — the SELECT of the
/// banking AID and its 9000 — with every PIN-carrying command's data redacted (FF), also when
/// the PIN is split across chained APDUs or T=1 blocks.
@Suite(.serialized, .tags(.process), .enabled(if: FaultStack.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark"),
                                              "needs pcscd, python3-pyscard, tshark"))
struct CaptureTests {
    static let tshark = "/usr/bin/tshark"
    static let pinBytes = Array(FaultStack.factoryPIN.utf8)

    /// `tshark -r FILE -V -d usbccid.subdissector,iso7816` (the Decode As table of the CCID
    /// payload; the GUI's Analyze ▸ Decode As…, "USB CCID payload" → ISO 7816).
    static func decode(_ file: String) throws -> String {
        let out = try TestProcess.run([tshark, "-r", file, "-V", "-d", "usbccid.subdissector,iso7816"],
                                      environment: ["HOME": NSTemporaryDirectory(), "PATH": "/usr/bin:/bin"], timeout: 60)
        guard out.status == 0 else { throw StackError("tshark failed:\n\(out)") }
        return out.stdout
    }

    static func containsPIN(_ bytes: [UInt8]) -> Bool {
        for part in [Array(pinBytes.prefix(3)), Array(pinBytes.suffix(3))] {
            if bytes.count >= 3, (0...(bytes.count - 3)).contains(where: { Array(bytes[$0..<$0 + 3]) == part }) { return true }
        }
        return false
    }

    @Test("--pcap from the start, APDU level: SELECT and 9000 decoded, the PIN (also chained) redacted")
    func pcapFromStart() async throws {
        try await PCSCTestStack.blocking {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let file = directory.file("token.pcap")
            let stack = try FaultStack(extraArguments: ["--pcap", file])
            defer { stack.stop() }
            let half = FaultStack.factoryPIN.utf8.count / 2
            let first = FaultStack.factoryPIN.prefix(half).utf8.map { String(format: "%02X", $0) }.joined()
            let second = FaultStack.factoryPIN.dropFirst(half).utf8.map { String(format: "%02X", $0) }.joined()
            let steps = try stack.pyscard([FaultStack.select, "0020008106@PIN@",
                                           "1020008103" + first, "0020008103" + second, FaultStack.getData])
            #expect(steps.map { $0.sw ?? "" } == ["9000", "9000", "9000", "9000", "9000"], "\(steps)")
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            #expect(bytes.prefix(4) == [0xD4, 0xC3, 0xB2, 0xA1], "pcap magic")
            #expect(bytes[20..<24] == [220, 0, 0, 0], "link type 220")
            #expect(!Self.containsPIN(bytes), "no PIN byte sequence anywhere in the capture")
            let text = try Self.decode(file)
            if let path = ProcessInfo.processInfo.environment["UKEY_CAPTURE_DECODE_OUT"] {
                try? text.write(toFile: path, atomically: true, encoding: .utf8)
            }
            #expect(text.contains("USB CCID"), "decoded as CCID")
            #expect(text.lowercased().contains("f0554b455901"), "the SELECT of the banking AID")
            #expect(text.contains("Status Word SW1: Normal processing (0x90)"), "the status word 9000")
            #expect(!text.contains("313233343536") && !text.contains("31:32:33:34:35:36"), "tshark never shows the PIN")
            #expect(text.contains("ffffffffffff") || text.contains("ff:ff:ff:ff:ff:ff"), "the redacted VERIFY")
        }
    }

    @Test("--pcap-include-secrets keeps the PIN and warns on standard error")
    func includeSecrets() async throws {
        try await PCSCTestStack.blocking {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let file = directory.file("secrets.pcap")
            let stack = try FaultStack(extraArguments: ["--pcap", file, "--pcap-include-secrets"])
            defer { stack.stop() }
            let steps = try stack.pyscard([FaultStack.select, "0020008106@PIN@"])
            #expect(steps.map { $0.sw ?? "" } == ["9000", "9000"], "\(steps)")
            #expect(Self.containsPIN(Array(try Data(contentsOf: URL(fileURLWithPath: file)))), "the PIN is in this capture")
            #expect(stack.emulator.errors.all.contains { $0.contains("warning: the capture") && $0.contains("unredacted") })
        }
    }

    @Test("capture start mid-run, T=1 TPDU level: decoded as CCID, a PIN split across T=1 blocks redacted")
    func captureMidRunTPDU() async throws {
        try await PCSCTestStack.blocking {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let file = directory.file("mid.pcap")
            let stack = try FaultStack(extraArguments: ["--exchange", "tpdu"])
            defer { stack.stop() }
            _ = try stack.pyscard([FaultStack.select])
            let started = try stack.control("capture", ["start", file])
            #expect(started.status == 0, "\(started)")
            // 5 copies of the PIN in one VERIFY: 35 bytes, more than IFSC 32, so two I-blocks.
            let long = String(format: "00200081%02X", 5 * Self.pinBytes.count) + String(repeating: "@PIN@", count: 5)
            let steps = try stack.pyscard([FaultStack.select, long, FaultStack.getData])
            #expect(steps.first?.sw == "9000", "\(steps)")
            let stopped = try stack.control("capture", ["stop"])
            #expect(stopped.status == 0, "\(stopped)")
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            #expect(!Self.containsPIN(bytes), "no PIN byte sequence anywhere in the capture")
            let text = try Self.decode(file)
            #expect(text.contains("USB CCID"), "decoded as CCID although the device enumerated before the capture")
            #expect(text.contains("bInterfaceClass: Smart Card (0x0b)") || text.contains("Smart Card"), "\(text.prefix(3000))")
        }
    }
}
