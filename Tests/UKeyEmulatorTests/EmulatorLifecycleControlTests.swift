import CCID
import Foundation
import ISO7816
import PCSCTestSupport
import Testing
import UKeyControl
import UKeyEmulator

/// The control requests `reset` (power cycle and factory reset), `set` and `stop` against an
/// emulator in this process (issue 15, "what these users expect").
@Suite("Control socket: reset, set, stop", .serialized, .tags(.tokenDevice))
struct EmulatorLifecycleControlTests {
    /// Events come within this: a guard against a hang, not a timing expectation.
    static let eventGuard: Double = 120

    @Test("reset: the card loses power (removed, inserted, inactive until IccPowerOn), the serial stays")
    func powerCycle() async throws {
        try await withEmulator { harness in
            let client = try harness.importedClient()
            _ = try client.powerOn()
            #expect(try client.ccid(.getSlotStatus).bStatus.bmICCStatus == .presentActive)
            let events = try harness.events()
            let serial = harness.emulator.serials[0].serial
            #expect(try harness.control().request(.reset(token: "1-1", factory: false)) == .reset(token: "1-1", serial: serial))
            #expect(try events.nextEvent(timeout: Self.eventGuard) == ControlEvent(token: "1-1", .removed))
            #expect(try events.nextEvent(timeout: Self.eventGuard) == ControlEvent(token: "1-1", .inserted))
            #expect(try client.ccid(.getSlotStatus).bStatus.bmICCStatus == .presentInactive,
                    "after the power cycle the card is present but unpowered")
            #expect(harness.emulator.serials[0].serial == serial)
        }
    }

    @Test("reset --factory: a new serial, no keys, new random factory secrets; the importer loses the token")
    func factoryReset() async throws {
        // PIN and PUK from the environment (to personalize); the PIV secrets random, so the
        // factory-secrets file shows that new secrets were made.
        try await withEmulator({ configuration in
            configuration.environment = ["UKEY_FACTORY_PIN": EmulatorHarness.factoryPIN,
                                         "UKEY_FACTORY_PUK": EmulatorHarness.factoryPUK, "HOME": "/nonexistent"]
        }) { harness in
            let secretsFile = harness.directory.file("state/1-1/factory-secrets")
            let secretsBefore = try String(contentsOfFile: secretsFile, encoding: .utf8)
            let client = try harness.importedClient()
            _ = try client.powerOn()
            try CCIDOverUSBIPTests.personalize(client)
            let before = try Self.tokenInfo(client)
            #expect(before.transferKey != 0, "personalized: a transfer key")
            let oldSerial = harness.emulator.serials[0].serial
            let early = try harness.client()   // connected before the reset, imports after it

            let reply = try harness.control().request(.reset(token: "1-1", factory: true))
            guard case .reset(let token, let newSerial) = reply else { Issue.record("reply \(reply)"); return }
            #expect(token == "1-1")
            #expect(newSerial != oldSerial, "a new serial: a bank sees a new token")
            #expect(harness.emulator.serials[0].serial == newSerial)
            #expect(throws: (any Error).self, "the old importer's connection is closed") { _ = try client.ccid(.getSlotStatus) }

            // A connection made before the reset imports the new token.
            let fresh = early
            #expect(try fresh.importDevice("1-1").status == .ok)
            _ = try fresh.powerOn()
            let after = try Self.tokenInfo(fresh)
            #expect(after.serial == newSerial)
            #expect(after.transferKey == 0, "no transfer key after the factory reset")
            #expect(after.mustChangePIN, "the factory PIN must be changed again")
            let secretsAfter = try String(contentsOfFile: secretsFile, encoding: .utf8)
            #expect(!secretsAfter.isEmpty && secretsAfter != secretsBefore, "new factory secrets were made")
            #expect(!harness.output.all.joined().contains(EmulatorHarness.factoryPIN), "no secret in the output")
        }
    }

    @Test("set --confirm: the mode changes at run time; approve decides what waits now; bad modes are refused")
    func setConfirm() async throws {
        try await withEmulator({ $0.confirmation = .external }) { harness in
            let client = try harness.importedClient()
            _ = try client.powerOn()
            let events = try harness.events()
            #expect(try harness.control().request(.set(confirm: "deny")) == .configured(confirm: "deny"))
            #expect(try harness.status().confirm == "deny")
            #expect(try harness.control().request(.set(confirm: "approve")) == .configured(confirm: "approve"))
            #expect(try harness.status().confirm == "approve")
            // Under approve, the transfer key's generation (which waits for the holder) completes.
            try CCIDOverUSBIPTests.personalize(client)
            var seen: [String] = []
            while !seen.contains("waiting") {
                seen.append(try #require(try events.nextEvent(timeout: Self.eventGuard)).kind.name)
            }
            #expect(try harness.control().request(.set(confirm: "ask")).error?.contains("terminal") == true,
                    "ask needs the emulator's terminal")
            #expect(try harness.control().request(.set(confirm: "maybe")).error?.contains("must be") == true)
            #expect(try harness.control().request(.set(confirm: nil)).error?.contains("must be") == true)
            #expect(try harness.status().confirm == "approve", "a refused set changes nothing")
        }
    }

    @Test("set --confirm approve decides a confirmation that already waits")
    func setDecidesWaiting() async throws {
        try await withEmulator({ $0.confirmation = .external }) { harness in
            let client = try harness.importedClient()
            _ = try client.powerOn()
            let events = try harness.events()
            // personalize waits for the holder at the transfer key: approve it by switching the mode.
            try CCIDOverUSBIPTests.personalize(client) {
                while try #require(try events.nextEvent(timeout: Self.eventGuard)).kind.name != "waiting" {}
                #expect(try harness.control().request(.set(confirm: "approve")) == .configured(confirm: "approve"))
            }
            #expect(try harness.status().tokens.first?.waiting == false)
        }
    }

    @Test("stop: the reply comes, then the emulator stops and frees its state directory")
    func stopRequest() async throws {
        try await withEmulator { harness in
            let reply = try harness.control().request(.stop)
            #expect(reply == .stopping)
            let stopped = DispatchSemaphore(value: 0)
            Thread { harness.emulator.wait(); stopped.signal() }.start()
            #expect(stopped.wait(timeout: .now() + Self.eventGuard) == .success, "run() returned")
            #expect(access(harness.emulator.controlSocketPath, F_OK) != 0, "control.sock removed")
        }
    }

    /// GET DATA token info: serial (C0), transfer key (C2), PIN must change (C7).
    static func tokenInfo(_ client: USBIPTestClient) throws -> (serial: String, transferKey: UInt8, mustChangePIN: Bool) {
        _ = try client.transmit([0x00, 0xA4, 0x04, 0x00, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01])
        let response = try client.transmit([0x00, 0xCA, 0x01, 0x00, 0x00])
        guard response.suffix(2) == [0x90, 0x00] else { throw TestClientError("GET DATA: \(response.hexString)") }
        var fields: [UInt8: [UInt8]] = [:]
        var index = 0
        let data = Array(response.dropLast(2))
        while index + 2 <= data.count {
            let tag = data[index], length = Int(data[index + 1])
            guard index + 2 + length <= data.count else { break }
            fields[tag] = Array(data[(index + 2)..<(index + 2 + length)])
            index += 2 + length
        }
        return (fields[0xC0]?.hexString ?? "", fields[0xC2]?.first ?? 0xFF, fields[0xC7]?.first == 1)
    }
}
