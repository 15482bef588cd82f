import Testing
import UKeyControl
import UKeyEmulator

/// `--vpcd`: the emulator's token i served to a vpcd (here the tests' fake vpcd server) through
/// its card port, on the reactor, as a CCID host on the token's USB device.
@Suite("The emulator serves a token to vpcd", .serialized, .tags(.tokenDevice))
struct EmulatorCardLinkTests {
    @Test("vpcd gets the ATR and APDU answers; the token is no longer offered over USB/IP")
    func vpcdCard() async throws {
        let vpcd = try VPCDFakeServer()
        try await withEmulator({ $0.tokens = 2; $0.vpcd = ["127.0.0.1:\(vpcd.port)"] }) { harness in
            let connection = try vpcd.accept(timeout: 10)
            defer { connection.close() }
            #expect(try connection.exchange([0x04]) == [0x3B, 0x8B, 0x80, 0x01, 0x80, 0xF9, 0xA0, 0x00, 0x00, 0x03, 0x08,
                                                        0x00, 0x00, 0x10, 0x00, 0xC8])
            try connection.sendFrame([0x01])   // power on: no answer
            let fci = try connection.exchange([0x00, 0xA4, 0x04, 0x00, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01, 0x00])
            #expect(fci.suffix(2) == [0x90, 0x00])
            #expect(fci.first == 0x6F)
            let devices = try harness.client().devlist().devices.map(\.device.busidString)
            #expect(devices == ["1-2"], "1-1 belongs to vpcd")
            #expect(try harness.client().importDevice("1-1").status.rawValue == 1)
            #expect(try harness.status().tokens.first?.vpcd == true)
        }
    }
}
