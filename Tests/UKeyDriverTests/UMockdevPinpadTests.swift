import Foundation
import PCSCTestSupport
import Synchronization
import Testing

/// Stock libccid's own pinpad support (commands.c SecurePINVerify / SecurePINModify) driving
/// the emulated token's keypad under umockdev: pyscard's `SCardControl(FEATURE_VERIFY_PIN_DIRECT)`
/// and `FEATURE_MODIFY_PIN_DIRECT` (`Scripts/pinpad_secure.py`) through a private pcscd that
/// loaded Debian's libccid.so for 1209:0001, while `ukey emulator type --pin-fd` types on the
/// keypad. libccid decides pinpad support from the class descriptor's bPINSupport (03: verify and
/// modify), builds PC_to_RDR_Secure itself (and, at TPDU level, the T=1 prologue from its own
/// N(S)/N(R); on the T=0 token it sends the TPDU with no prologue), follows the device's time
/// extensions while the holder types, and turns PIN_CANCELLED (EF) into 6401.
@Suite(.serialized, .enabled(if: UMockdevToken.available && EndToEndTools.available))
struct UMockdevPinpadTests {
    static let busid = "1-1"
    /// The factory PIN, the one CHANGE sets, and a wrong one: 8 digits no log line holds by chance
    /// (a short run like 123456 may turn up in a log's numbers).
    static let pin = "58203917"
    static let newPIN = "64179235"
    static let wrongPIN = "90817263"

    /// What the holder does on the keypad for one SCardControl.
    enum Keys {
        case type([String])
        case cancel
    }

    @Test("stock libccid: VERIFY typed on the keypad 9000, Cancel 6401, a wrong PIN 63C2, CHANGE 9000, the new PIN 9000",
          arguments: ["apdu", "tpdu", "tpdu-t0"])
    func stockLibccidDrivesTheKeypad(exchange: String) async throws {
        let token = try UMockdevToken(exchange: exchange, confirm: "external", arguments: ["--trace"],
                                      environment: ["UKEY_FACTORY_PIN": Self.pin])
        defer { token.stop() }
        let (drivers, pcscd) = try UMockdevTests.startStockLibccid(token)
        defer { pcscd.stop(); drivers.remove() }

        let steps: [(String, Keys)] = [("verify", .type([Self.pin])), ("verify", .cancel), ("verify", .type([Self.wrongPIN])),
                                       ("change", .type([Self.pin, Self.newPIN, Self.newPIN])), ("verify", .type([Self.newPIN]))]
        let output = try await Self.run(steps.map(\.0), reader: UMockdevTests.readerName, pcscd: pcscd, token: token, keys: steps.map(\.1))
        #expect(output.status == 0, "\(output)\n\(pcscd.log.suffix(4000))\n\(token.logs.suffix(4000))")
        #expect(output.stdout.contains("FEATURES 06 07 0A 12"), "libccid offers verify, modify, PIN and TLV properties from bPINSupport 03:\n\(output)")
        let answers = output.stdout.split(separator: "\n").filter { $0.hasPrefix("SW ") }.map { String($0.dropFirst(3)) }
        #expect(answers == ["verify 9000", "verify 6401", "verify 63C2", "change 9000", "verify 9000"],
                "libccid's Secure on the keypad:\n\(output)\n\(pcscd.log.suffix(4000))")
        let after = output.stdout.split(separator: "\n").filter { $0.hasPrefix("AFTER ") }
        // On T=0 (libccid forwards the TPDU as it is) GET DATA with Le 00 meets 6Cxx: the card answered.
        #expect(after.count == 5 && after.allSatisfy { $0 == "AFTER 9000" || (exchange == "tpdu-t0" && $0.hasPrefix("AFTER 6C")) },
                "GET DATA after each entry: the connection (and libccid's T=1 numbering) still in step:\n\(output)")
        #expect(output.stdout.contains(exchange == "tpdu-t0" ? "PROTOCOL T0" : "PROTOCOL T1"), "\(output)")
        // The first entry waited for a time extension (run(_:…)); libccid read on past it, as the
        // 9000 shows (Debian's libccid logs no COMM lines at its default level).
        #expect(token.logs.contains("(time extension)"), "time extensions went out while the holder was to type")
        #expect(token.logs.contains("Secure"), "the emulator traced the Secure messages")
        for secret in [Self.pin, Self.newPIN, Self.wrongPIN] {
            let hex = Array(secret.utf8).map { String(format: "%02X", $0) }.joined()
            let spacedHex = Array(secret.utf8).map { String(format: "%02X", $0) }.joined(separator: " ")
            for (name, text) in [("pcscd log with libccid's frame dumps", pcscd.log), ("emulator --trace", token.logs),
                                 ("client output", output.stdout + output.stderr)] {
                #expect(!text.contains(secret) && !text.uppercased().contains(hex) && !text.uppercased().contains(spacedHex),
                        "a PIN typed on the keypad is not in the \(name)")
            }
        }
    }

    /// Runs `pinpad_secure.py readerPrefix operations…` and, for each operation, waits until the token
    /// waits for its holder, then presses `keys` with `ukey emulator type` (digits on its stdin,
    /// `--pin-fd 0`; `--cancel`). Every blocking wait runs on a thread of its own, never on the
    /// cooperative pool, which in-process emulators of suites running meanwhile need.
    static func run(_ operations: [String], reader: String, pcscd: PCSCDHarness, token: UMockdevToken,
                    keys: [Keys]) async throws -> TestProcess.Output {
        let finished = Finished()
        let environment = pcscd.environment
        // Not awaited on a throw: the callers' defers then stop pcscd and the token, which ends it.
        let script = Task {
            try await PCSCTestStack.blocking {
                defer { finished.value.withLock { $0 = true } }
                return try TestProcess.run([UMockdevToken.python, UMockdevToken.scripts + "/pinpad_secure.py", reader] + operations,
                                           environment: environment, timeout: 600)
            }
        }
        try await PCSCTestStack.blocking {
            for (index, pressed) in keys.enumerated() {
                // A fresh subscription per entry: no event of the previous one is read as this one's.
                let events = try EmulatorEvents(stateDirectory: token.stateDirectory)
                try events.waitUntilWaiting(token: busid) { finished.value.withLock { $0 } }
                if index == 0 {
                    // The holder takes a moment: the device sends a time extension (every 0.5 s)
                    // that libccid must follow. A hang guard, not a time limit.
                    let deadline = Date().addingTimeInterval(EmulatorEvents.hangGuard)
                    while !token.logs.contains("(time extension)") && Date() < deadline { usleep(50_000) }
                }
                switch pressed {
                case .cancel:
                    try type(["--cancel"], input: nil, token: token)
                case .type(let pins):
                    for pin in pins { try type(["--pin-fd", "0"], input: pin + "\n", token: token) }
                }
            }
        }
        return try await script.value
    }

    final class Finished: Sendable {
        let value = Mutex(false)
    }

    static func type(_ arguments: [String], input: String?, token: UMockdevToken) throws {
        let typed = try TestProcess.run([UMockdevToken.ukeyBinary!, "emulator", "type", "--state", token.stateDirectory,
                                         "--token", busid] + arguments, input: input, timeout: 60)
        guard typed.status == 0 else { throw PCSCDHarnessError("ukey emulator type \(arguments): \(typed)") }
    }
}
