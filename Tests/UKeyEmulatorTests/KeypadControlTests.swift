import CCID
import Foundation
import ISO7816
import PCSCTestSupport
import Testing
import UKeyControl
import UKeyEmulator

/// PC_to_RDR_Secure over USB/IP on its own thread (the reply comes once the holder typed).
final class PendingSecure: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var result: Result<CCIDReply, Error>?

    init(client: USBIPTestClient, abData: [UInt8]) {
        Thread.detachNewThread { [self] in
            let outcome = Result { try client.ccid(.secure(bBWI: 0, wLevelParameter: 0, abData: abData)) }
            lock.withLock { result = outcome }
            done.signal()
        }
    }

    func reply(within seconds: Double) throws -> CCIDReply? {
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return try lock.withLock { try result?.get() }
    }
}

@Suite("Emulator: typing on the token's keypad (control op keys)", .serialized)
struct KeypadControlTests {
    /// libccid's verification structure for the banking VERIFY: ASCII, block size 0, 6–16 digits.
    static let verify: [UInt8] = [0x00, 0x00, 0x82, 0x00, 0x00, 0x10, 0x06, 0x02, 0x01, 0x09, 0x04, 0x00, 0x00, 0x00, 0x00,
                                  0x00, 0x20, 0x00, 0x81]
    static let select: [UInt8] = [0x00, 0xA4, 0x04, 0x00, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]

    @Test("keys types the PIN: events say how many digits, the screen shows *, nothing logs or echoes the digits")
    func typePIN() async throws {
        try await withEmulator({ $0.confirmation = .external }) { harness in
            let client = try harness.importedClient()
            _ = try client.powerOn()
            #expect(try client.transmit(Self.select).suffix(2) == [0x90, 0x00])
            #expect(try harness.control().request(.keys(token: nil, keys: ["1"]))
                    == .failure("token 1-1 is not waiting for a PIN on its keypad"))
            let events = try harness.events()
            let pending = PendingSecure(client: client, abData: Self.verify)
            try waitUntil("1-1 waits for the PIN", timeout: 20) { try harness.status().tokens.first?.waiting == true }
            let bad = try harness.control().request(.keys(token: nil, keys: ["1", "x9"]))
            #expect(bad == .failure("key 2 is not 0–9, ok, cancel or clear; no key was pressed"), "the bad key is not echoed")
            let digits = EmulatorHarness.factoryPIN.map { String($0) }
            #expect(try harness.control().request(.keys(token: nil, keys: digits + ["ok"])) == .pressed(token: "1-1", waiting: false))
            let reply = try #require(try pending.reply(within: 20))
            #expect(reply.bStatus.bmCommandStatus == .processedWithoutError)
            guard case .dataBlock(_, let response) = reply.message else { Issue.record("no DataBlock"); return }
            #expect(response == [0x90, 0x00], "VERIFY built on the token with the digits typed")
            var seen: [ControlEvent] = []
            while let event = try events.nextEvent(timeout: 2) {
                seen.append(event)
                if case .pinEntry(6) = event.kind { break }
            }
            let counts = seen.compactMap { event -> Int? in if case .pinEntry(let n) = event.kind { n } else { nil } }
            #expect(counts == [0, 1, 2, 3, 4, 5, 6])
            #expect(seen.contains { $0.kind == .display(lines: ["Enter PIN", "******", "", "OK  Clear  Cancel"], page: 1, pages: 1) })
            let everything = seen.map { ControlLine.text($0) } + harness.diagnostics.all + harness.output.all
            #expect(!everything.joined(separator: "\n").contains(EmulatorHarness.factoryPIN), "the PIN is in no event or log line")
        }
    }

    @Test("--confirm approve types no PIN: the entry waits until Cancel (PIN_CANCELLED)")
    func approveTypesNothing() async throws {
        try await withEmulator({ $0.confirmation = .approve }) { harness in
            let client = try harness.importedClient()
            _ = try client.powerOn()
            #expect(try client.transmit(Self.select).suffix(2) == [0x90, 0x00])
            let pending = PendingSecure(client: client, abData: Self.verify)
            try waitUntil("1-1 waits for the PIN", timeout: 20) { try harness.status().tokens.first?.waiting == true }
            #expect(try pending.reply(within: 1) == nil, "approve pressed nothing")
            #expect(try harness.control().request(.press(token: nil, button: .ok, once: false)).isOK == false,
                    "press is for confirmations, not PIN entries")
            #expect(try harness.control().request(.keys(token: nil, keys: ["cancel"])) == .pressed(token: "1-1", waiting: false))
            let reply = try #require(try pending.reply(within: 20))
            #expect(reply.bStatus.bmCommandStatus == .failed)
            #expect(reply.bError == .PIN_CANCELLED)
        }
    }
}
