import UKeyTestCA
import CCID
import Foundation
import ISO7816
import Testing
import UKey
import USBIP
import UKeyControl
import UKeyEmulator

/// Everything here needs the device side (`TokenDevice`) to answer USB and CCID.
@Suite("CCID over USB/IP against the emulated token", .serialized, .tags(.tokenDevice))
struct CCIDOverUSBIPTests {
    static let environment = ["FACTORY_PIN": EmulatorHarness.factoryPIN, "PIN": "24681357"]

    static func transcript() throws -> Transcript {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("UKeyTests/Transcripts/personalize.ukey")
        return try Transcript(parsing: String(contentsOf: url, encoding: .utf8))
    }

    @Test("GET_DESCRIPTOR: device 1209:0001, a configuration with the CCID interface and class descriptor")
    func descriptors() async throws {
        try await withEmulator { harness in
            let client = try harness.importedClient()
            let device = try client.descriptor(type: 1, length: 18)
            #expect(device.count == 18 && device[1] == 0x01)
            #expect(device[8] == 0x09 && device[9] == 0x12 && device[10] == 0x01 && device[11] == 0x00)
            let configuration = try client.descriptor(type: 2, length: 255)
            #expect(configuration.count >= 9 + 9 + 54 + 3 * 7)
            #expect(configuration.contains(0x21), "the CCID class descriptor (type 0x21) is there")
        }
    }

    @Test("IccPowerOn answers the token's ATR, which the ATR parser accepts")
    func powerOn() async throws {
        try await withEmulator { harness in
            let atr = try harness.importedClient().powerOn()
            #expect(atr == [0x3B, 0x8B, 0x80, 0x01, 0x80, 0xF9, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0xC8])
            _ = try ATR(parsing: atr)
        }
    }

    @Test("the personalization transcript over USB/IP gives the same results as the firmware in memory")
    func transcriptOverUSBIP() async throws {
        try await withEmulator({ $0.confirmation = .approve }) { harness in
            let client = try harness.importedClient()
            _ = try client.powerOn()
            let ca = try TestCertificateAuthority()
            let overUSB = try await TranscriptRunner(channel: USBIPCardChannel(client: client), steps: TranscriptSteps.standard(ca: ca),
                                                     environment: Self.environment).run(Self.transcript())
            let reference = try FirmwareCardChannel(serial: [1, 2, 3, 4, 5, 6, 7, 8], pin: EmulatorHarness.factoryPIN,
                                                    puk: EmulatorHarness.factoryPUK)
            let inMemory = try await TranscriptRunner(channel: reference, steps: TranscriptSteps.standard(ca: ca),
                                                      environment: Self.environment).run(Self.transcript())
            #expect(overUSB.exchanges.count == 17, "every command of the transcript ran")
            #expect(overUSB.exchanges.map(\.response.statusWord) == inMemory.exchanges.map(\.response.statusWord))
            #expect(overUSB.exchanges.map(\.response.data.count) == inMemory.exchanges.map(\.response.data.count))
            #expect(overUSB.captures["serial"] == harness.emulator.serials[0].serial)
        }
    }

    @Test("remove and insert through the control socket: NotifySlotChange on the interrupt endpoint, slot status follows")
    func slotChange() async throws {
        try await withEmulator { harness in
            let client = try harness.importedClient()
            let events = try harness.events()
            var interrupt = try client.submitInterrupt()
            #expect(try harness.control().request(.remove(token: nil)) == .slot(token: "1-1", present: false))
            #expect(try client.retSubmit(interrupt).transferBuffer == [0x50, 0x02], "absent, changed")
            #expect(try events.nextEvent(timeout: 60) == ControlEvent(token: "1-1", .removed))
            let absent = try client.ccid(.getSlotStatus)
            #expect(absent.bStatus.bmICCStatus == .absent)

            interrupt = try client.submitInterrupt()
            #expect(try harness.control().request(.insert(token: nil)) == .slot(token: "1-1", present: true))
            #expect(try client.retSubmit(interrupt).transferBuffer == [0x50, 0x03], "present, changed")
            #expect(try events.nextEvent(timeout: 60) == ControlEvent(token: "1-1", .inserted))
            #expect(try client.ccid(.getSlotStatus).bStatus.bmICCStatus != .absent)
        }
    }

    @Test("press ok / cancel through the control socket decide a waiting CONFIRM TRANSFER", arguments: ControlButton.allCases)
    func press(button: ControlButton) async throws {
        try await withEmulator({ $0.confirmation = .external }) { harness in
            let client = try harness.importedClient()
            _ = try client.powerOn()
            try Self.personalize(client) { try Self.pressOK(harness) }
            let events = try harness.events()
            let transfer = [UInt8](hex: "704F80164445383933373034303034343035333230313330303081095A68616E672053616E8207313233342E35368303434E59840A496E766F696365203432851000112233445566778899AABBCCDDEEFF")!
            let confirm: [UInt8] = [0x80, 0xC0, 0x00, 0x00, UInt8(transfer.count)] + transfer + [0x00]
            // On its own thread: a blocking transmit must not wait for a cooperative-pool thread
            // (2 on this machine, often busy with other suites' blocking work).
            let answer = PendingTransmit(client: client, apdu: confirm)
            var seen: [String] = []
            while !seen.contains("waiting") {
                seen.append(try #require(try events.nextEvent(timeout: 60)).kind.name)
            }
            #expect(seen.first == "display")
            #expect(try harness.status().tokens.first?.waiting == true)
            #expect(try harness.control().request(.press(token: nil, button: button, once: false)) == .pressed(token: "1-1", waiting: false))
            let response = try #require(answer.response(within: 30), "CONFIRM TRANSFER answered after press \(button)")
            if button == .ok {
                #expect(response.suffix(2) == [0x90, 0x00])
                var last = ""
                while last != "signed" { last = try #require(try events.nextEvent(timeout: 60)).kind.name }
            } else {
                #expect(response == [0x69, 0x85])
                var last = ""
                while last != "denied" { last = try #require(try events.nextEvent(timeout: 60)).kind.name }
            }
        }
    }

    @Test("the RET_SUBMITs of a CCID message's OUT and IN transfers arrive in one write")
    func oneWrite() async throws {
        try await withEmulator { harness in
            let client = try harness.importedClient()
            let out = client.seqnum()
            let inbound = client.seqnum()
            try client.send([.USBIP_CMD_SUBMIT(.out(seqnum: out, devid: client.devid, ep: 1,
                                                    data: CCIDCommand(bSeq: 1, .getSlotStatus).bytes)),
                             .USBIP_CMD_SUBMIT(.in(seqnum: inbound, devid: client.devid, ep: 2, length: 512))])
            #expect(try client.repliesInOneRead() == 2, "both replies in the first read")
            #expect(try client.retSubmit(out).status == 0)
            #expect(try CCIDReply(parsing: client.retSubmit(inbound).transferBuffer).bSeq == 1)
        }
    }

    @Test("a client that disconnects leaves nothing behind: the next one finds no verified PIN and no stale reply")
    func disconnectResetsCard() async throws {
        try await withEmulator { harness in
            var first: USBIPTestClient? = try harness.importedClient()
            _ = try first!.powerOn()
            let select: [UInt8] = [0x00, 0xA4, 0x04, 0x0C, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]
            #expect(try first!.transmit(select) == [0x90, 0x00])
            let pin = Array(EmulatorHarness.factoryPIN.utf8)
            #expect(try first!.transmit([0x00, 0x20, 0x00, 0x81, UInt8(pin.count)] + pin) == [0x90, 0x00])
            // A command whose reply the first client never reads.
            try first!.send([.USBIP_CMD_SUBMIT(.out(seqnum: first!.seqnum(), devid: first!.devid, ep: 1,
                                                    data: CCIDCommand(bSeq: 200, .getSlotStatus).bytes))])
            first = nil
            _ = first
            var second: USBIPTestClient? = nil
            try waitUntil("1-1 is free") {
                second = try harness.client()
                return try second!.importDevice("1-1").status == .ok
            }
            let client = try #require(second)
            _ = try client.powerOn()   // the helper checks that the reply carries its own bSeq
            #expect(try client.transmit(select) == [0x90, 0x00])
            #expect(try client.transmit([0x00, 0x20, 0x00, 0x81]) != [0x90, 0x00], "the PIN is no longer verified")
        }
    }

    /// The transfer key's generation, `00 47 80 01` with RSA-1024 (`80 01 01`).
    static let generateTransferKey: [UInt8] = [0x00, 0x47, 0x80, 0x01, 0x03, 0x80, 0x01, 0x01, 0x00]

    /// SELECT, VERIFY the factory PIN, CHANGE it, GENERATE the transfer key (01). A new transfer
    /// key waits for the holder's OK on the device: `approveKey` gives it while GENERATE waits
    /// (nothing to do under `--confirm approve`; ``pressOK(_:)`` under `external`).
    static func personalize(_ client: USBIPTestClient, approveKey: () throws -> Void = {}) throws {
        let pin = Array(EmulatorHarness.factoryPIN.utf8)
        let newPIN = Array("24681357".utf8)
        for (apdu, what) in [
            ([0x00, 0xA4, 0x04, 0x00, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01], "SELECT"),
            ([0x00, 0x20, 0x00, 0x81, UInt8(pin.count)] + pin, "VERIFY"),
            ([0x00, 0x24, 0x00, 0x81, UInt8(2 + pin.count + newPIN.count), UInt8(pin.count)] + pin + [UInt8(newPIN.count)] + newPIN, "CHANGE"),
        ] as [([UInt8], String)] {
            let response = try client.transmit(apdu)
            guard response.suffix(2) == [0x90, 0x00] else { throw TestClientError("\(what): \(response.hexString)") }
        }
        let generate = PendingTransmit(client: client, apdu: generateTransferKey)
        try approveKey()
        guard let response = generate.response(within: 30) else { throw TestClientError("GENERATE 01: no answer") }
        guard response.first == 0x7F, response.suffix(2) == [0x90, 0x00] else {
            throw TestClientError("GENERATE 01: \(response.hexString)")
        }
    }

    /// Under `--confirm external`: waits until token 1-1 waits for the holder, then presses OK
    /// (through every page) on the control socket.
    static func pressOK(_ harness: EmulatorHarness) throws {
        try waitUntil("1-1 waits for the holder", timeout: 20) { try harness.status().tokens.first?.waiting == true }
        guard try harness.control().request(.press(token: nil, button: .ok, once: false)).isOK else {
            throw TestClientError("press ok refused")
        }
    }
}
