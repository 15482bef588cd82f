import Foundation
import PCSCTestSupport
import Testing
import UKeyControl
import UKeyEmulator

/// A stock PC/SC client (pyscard, `Scripts/pinpad_verify.py`) using the token's keypad through
/// pcscd and libifd-ukey.so: FEATURE_VERIFY_PIN_DIRECT while the holder types (control op
/// `keys`). Then every log of the session — pcscd's with UKEY_DRIVER_TRACE, the emulator's with
/// --trace, the event stream, the script's output, and the USB/IP capture (`--pcap`, redacted and
/// with `--pcap-include-secrets`) — is searched for the PIN.
@Suite("pinpad: pyscard → pcscd → libifd-ukey.so → the token's keypad", .serialized, .enabled(if: PCSCDClient.available))
struct PinpadStockClientTests {
    /// A PIN no log line could contain by chance, and its hex.
    static let pin = "73915864"
    static var pinHex: String { Array(pin.utf8).map { String(format: "%02X", $0) }.joined() }

    static var script: String {
        Bundle.module.url(forResource: "Scripts", withExtension: nil)!.appendingPathComponent("pinpad_verify.py").path
    }

    /// The script, started now on a thread of its own (``BackgroundWork``).
    static func runScript(_ arguments: [String], _ pcscd: PCSCDHarness) -> BackgroundWork<TestProcess.Output> {
        BackgroundWork { try TestProcess.run([PCSCDClient.python, script] + arguments, environment: pcscd.environment, timeout: 300) }
    }

    /// The forms the PIN could take in a VERIFY or CHANGE APDU: ASCII (`37 33 39 …`, what the
    /// banking VERIFY carries), packed BCD (`73 91 58 64`, the keypad CHANGE's 8-byte blocks).
    static var pinForms: [(String, [UInt8])] {
        let digits = pin.utf8.map { $0 - 0x30 }
        let bcd = stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
        return [("ASCII", Array(pin.utf8)), ("BCD", bcd)]
    }

    /// A PIN sent from the computer in a VERIFY, the control: the capture shows it with
    /// `--pcap-include-secrets` and hides it without, so the search below would find a PIN that
    /// crossed the wire.
    static let decoy = "50284617"

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    @Test("SCardControl(FEATURE_VERIFY_PIN_DIRECT) waits for the keypad and answers 9000; Cancel gives 6401; the PIN is in no log and not in the USB capture",
          arguments: ["apdu", "tpdu"], [false, true])
    func verifyDirect(exchange: String, includeSecrets: Bool) async throws {
        let captureDirectory = try TemporaryDirectory()
        defer { captureDirectory.remove() }
        let pcap = captureDirectory.file("pinpad.pcap")
        try await withEmulator({
            $0.confirmation = .external
            $0.trace = true
            try? $0.setExchange(named: exchange)
            $0.environment["UKEY_FACTORY_PIN"] = Self.pin
            $0.pcap = pcap
            $0.pcapIncludeSecrets = includeSecrets
        }) { emulator in
            let pcscd = try PCSCDHarness(readers: PCSCDClient.readers(emulator), extraEnvironment: ["UKEY_DRIVER_TRACE": "1"])
            defer { pcscd.stop() }
            let names = try PCSCDClient.waitForReaders(1, pcscd)
            let reader = try #require(names.first, "pcscd lists the token:\n\(pcscd.log)")
            let events = try emulator.events()

            let verified = Self.runScript([reader], pcscd)
            try waitUntil("the token waits for the PIN", timeout: 180) { try emulator.status().tokens.first?.waiting == true }
            let digits = Self.pin.map { String($0) }
            #expect(try emulator.control().request(.keys(token: nil, keys: digits + ["ok"])).isOK)
            let output = try await verified.value
            #expect(output.stdout.contains("FEATURES 06 07 0A 12"), "the part 10 features:\n\(output)")
            #expect(output.stdout.contains("SW 9000"), "VERIFY built on the token:\n\(output)\n\(pcscd.log)")

            let cancelled = Self.runScript([reader], pcscd)
            try waitUntil("the token waits for the PIN", timeout: 180) { try emulator.status().tokens.first?.waiting == true }
            #expect(try emulator.control().request(.keys(token: nil, keys: ["1", "cancel"])).isOK)
            let cancelOutput = try await cancelled.value
            #expect(cancelOutput.stdout.contains("SW 6401"), "Cancel, as libccid reports it:\n\(cancelOutput)")

            // The control: a VERIFY with a PIN from the computer (a wrong one) crosses the wire.
            let decoyAPDU = "00200081" + String(format: "%02X", Self.decoy.count) + Array(Self.decoy.utf8).map { String(format: "%02X", $0) }.joined()
            let decoyOutput = try PCSCDClient.run(["transmit", reader, decoyAPDU], pcscd)
            #expect(decoyOutput.status == 0, "\(decoyOutput)")
            #expect(try emulator.control().request(.captureStop).isOK, "the capture ends and is flushed")
            let captured = try [UInt8](Data(contentsOf: URL(fileURLWithPath: pcap)))
            #expect(Self.contains(captured, [0x00, 0xA4, 0x04, 0x00, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]),
                    "the capture holds the session (the SELECT): \(captured.count) bytes")
            #expect(Self.contains(captured, [0x00, 0x20, 0x00, 0x81]), "and the keypad VERIFY's template in the Secure message")
            #expect(Self.contains(captured, Array(Self.decoy.utf8)) == includeSecrets,
                    "a PIN that crossed the wire is in the capture exactly when secrets are included (the control)")
            for (form, bytes) in Self.pinForms {
                #expect(!Self.contains(captured, bytes),
                        "the PIN typed on the keypad (\(form)) is not in the capture\(includeSecrets ? " even with --pcap-include-secrets: it never crossed USB" : "")")
            }

            var eventLines: [String] = []
            while let event = try events.nextEvent(timeout: 1) { eventLines.append(ControlLine.text(event)) }
            #expect(eventLines.contains { $0.contains(#""digits":8"#) }, "pin-entry events with the count")
            let logs = [("pcscd log with UKEY_DRIVER_TRACE", pcscd.log), ("emulator --trace and diagnostics", emulator.diagnostics.all.joined(separator: "\n")),
                        ("emulator output", emulator.output.all.joined(separator: "\n")), ("events", eventLines.joined(separator: "\n")),
                        ("client output", output.stdout + output.stderr + cancelOutput.stdout + cancelOutput.stderr)]
            #expect(logs[0].1.contains("PIN entry on the reader"), "the driver traced the PIN entry")
            #expect(logs[1].1.contains("Secure"), "the emulator traced the Secure message")
            for (name, text) in logs {
                #expect(!text.contains(Self.pin), "the PIN is not in the \(name)")
                #expect(!text.uppercased().contains(Self.pinHex), "the PIN's hex is not in the \(name)")
            }
        }
    }
}
