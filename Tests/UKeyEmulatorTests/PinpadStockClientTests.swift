import Foundation
import PCSCTestSupport
import Testing
import UKeyControl
import UKeyEmulator

/// A stock PC/SC client (pyscard, `Scripts/pinpad_verify.py`) using the token's keypad through
/// pcscd and libifd-ukey.so: FEATURE_VERIFY_PIN_DIRECT while the holder types (control op
/// `keys`). Then every log of the session — pcscd's with UKEY_DRIVER_TRACE, the emulator's with
/// --trace, the event stream, the script's output — is searched for the PIN.
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

    @Test("SCardControl(FEATURE_VERIFY_PIN_DIRECT) waits for the keypad and answers 9000; Cancel gives 6401; the PIN is in no log",
          arguments: ["apdu", "tpdu"])
    func verifyDirect(exchange: String) async throws {
        try await withEmulator({
            $0.confirmation = .external
            $0.trace = true
            try? $0.setExchange(named: exchange)
            $0.environment["UKEY_FACTORY_PIN"] = Self.pin
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
