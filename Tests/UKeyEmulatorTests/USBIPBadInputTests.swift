import Testing
import USBIP

/// A malformed or hostile client input, sent on one connection.
struct BadInput: CustomStringConvertible, Sendable {
    var description: String
    /// Whether the client imports 1-1 before sending the bytes.
    var imports: Bool
    /// Whether the client vanishes right after sending (instead of waiting to be closed).
    var vanishes = false
    var bytes: @Sendable (_ devid: UInt32) -> [UInt8]

    static func header(_ command: UInt32, seqnum: UInt32 = 1, devid: UInt32, direction: UInt32 = 1, ep: UInt32 = 2,
                       rest: [UInt32] = [512, 0, 0, 0]) -> [UInt8] {
        var words: [UInt32] = [command, seqnum, devid, direction, ep, 0] + rest
        while words.count < 10 { words.append(0) }
        return words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - 8 * $0)) } } + [UInt8](repeating: 0, count: 8)
    }

    static let all: [BadInput] = [
        BadInput(description: "OP_* header with version 0x0112", imports: false) { _ in [0x01, 0x12, 0x80, 0x05, 0, 0, 0, 0] },
        BadInput(description: "unknown OP_* code 0x8099", imports: false) { _ in [0x01, 0x11, 0x80, 0x99, 0, 0, 0, 0] },
        BadInput(description: "a reply code (OP_REP_DEVLIST) sent to the server", imports: false) { _ in [0x01, 0x11, 0x00, 0x05, 0, 0, 0, 0] },
        BadInput(description: "unknown URB command 5", imports: true) { devid in header(5, devid: devid) },
        BadInput(description: "RET_SUBMIT sent to the server", imports: true) { devid in header(3, devid: devid) },
        BadInput(description: "direction 7", imports: true) { devid in header(1, devid: devid, direction: 7) },
        BadInput(description: "transfer_buffer_length beyond the buffer", imports: true) { devid in
            header(1, devid: devid, direction: 0, ep: 1, rest: [0x7FFF_FFFF, 0, 0, 0])
        },
        BadInput(description: "number_of_packets beyond the limit", imports: true) { devid in
            header(1, devid: devid, rest: [0, 0, 100_000, 0])
        },
        BadInput(description: "wrong devid", imports: true) { devid in header(1, devid: devid &+ 7) },
        BadInput(description: "seqnum 0", imports: true) { devid in header(1, seqnum: 0, devid: devid) },
        BadInput(description: "duplicate seqnum of a pending URB", imports: true) { devid in
            header(1, seqnum: 9, devid: devid) + header(1, seqnum: 9, devid: devid)
        },
        BadInput(description: "more pending URBs than allowed", imports: true) { devid in
            (1...100).flatMap { header(1, seqnum: UInt32($0), devid: devid) }
        },
        BadInput(description: "a URB before OP_REQ_IMPORT", imports: false) { devid in header(1, devid: 0x10001) },
        BadInput(description: "half a CMD_SUBMIT, then the client vanishes", imports: true, vanishes: true) { devid in
            Array(header(1, devid: devid, direction: 0, ep: 1, rest: [100, 0, 0, 0]).prefix(30))
        },
        BadInput(description: "a CMD_SUBMIT promising data that never comes, then the client vanishes", imports: true,
                 vanishes: true) { devid in
            header(1, devid: devid, direction: 0, ep: 1, rest: [1000, 0, 0, 0]) + [0x62, 0, 0]
        },
    ]
}

@Suite("USB/IP bad input: the connection closes, everyone else is served", .serialized)
struct USBIPBadInputTests {
    @Test("bad input closes only its own connection", arguments: BadInput.all)
    func badInput(_ input: BadInput) async throws {
        try await withEmulator({ $0.tokens = 2 }) { harness in
            // A bystander that holds token 1-2 through the whole case.
            let bystander = try harness.importedClient("1-2")
            var client: USBIPTestClient? = try harness.client()
            if input.imports { #expect(try client!.importDevice("1-1").status == .ok) }
            try client!.sendRaw(input.bytes(client!.devid))
            if input.vanishes {
                client = nil
            } else {
                #expect(client!.isClosedByPeer(), "the emulator closes the connection that sent \(input)")
            }
            _ = client
            // The device is free again and the server still answers.
            try waitUntil("1-1 can be imported again") { try harness.client().importDevice("1-1").status == .ok }
            #expect(try harness.client().devlist().devices.count == 2)
            // The bystander's connection is untouched.
            let number = bystander.seqnum()
            try bystander.send([.USBIP_CMD_SUBMIT(.out(seqnum: number, devid: bystander.devid, ep: 5, data: [0]))])
            #expect(try bystander.retSubmit(number).status == -32, "the other client is still served")
        }
    }
}
