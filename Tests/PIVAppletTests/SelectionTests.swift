import CardOS
import HostPlatform
import ISO7816
import PIVApplet
import Testing
import TokenDevice

/// Detection as stock OpenSC and yubico-piv-tool do it: SELECT by a prefix of the AID, the
/// application property template, the objects the card writes itself.
@Suite("PIV applet: selection and card-written objects")
struct SelectionTests {
    @Test("SELECT by the full AID and by yubico-piv-tool's 5-byte prefix answers the APT")
    func select() {
        let token = PIVHarness()
        let expected: [UInt8] = [0x61, 0x11, 0x4F, 0x06, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00,
                                 0x79, 0x07, 0x4F, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08]
        let full = token.send("00A404000BA000000308000010000100" + "00")
        #expect(full.statusWord == .success)
        #expect(full.data == expected)
        let prefix = token.send("00A4040005A000000308")
        #expect(prefix.statusWord == .success)
        #expect(prefix.data == expected)
    }

    @Test("An unknown AID is 6A82 and keeps the PIV selection (OpenSC probes other drivers' AIDs)")
    func unknownAID() {
        let token = PIVHarness()
        #expect(token.selectPIV().statusWord == .success)
        #expect(token.send("00A4040007A0000000030000").statusWord == .fileNotFound)
        #expect(token.getData([0x7E]).statusWord == .success)
    }

    @Test("Before any SELECT, PIV GET DATA is 6D00 (OpenSC then selects)")
    func noSelection() {
        let token = PIVHarness()
        #expect(token.getData([0x7E]).statusWord == .insNotSupported)
    }

    @Test("Discovery: the PIV AID and the PIN policy 40 00")
    func discovery() {
        let token = PIVHarness()
        _ = token.selectPIV()
        let answer = token.getData([0x7E])
        #expect(answer.statusWord == .success)
        #expect(answer.data == [0x7E, 0x12, 0x4F, 0x0B, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00,
                                0x5F, 0x2F, 0x02, 0x40, 0x00])
    }

    @Test("CHUID: agency-9999 FASC-N and the token serial as the GUID's last 8 bytes")
    func chuid() throws {
        let token = PIVHarness()
        _ = token.selectPIV()
        let answer = token.getData([0x5F, 0xC1, 0x02])
        #expect(answer.statusWord == .success)
        let outer = try TLV(parsing: answer.data)
        #expect(outer.tag == 0x53)
        let fields = try TLV.sequence(parsing: outer.value)
        #expect(fields.first(0x30)?.value.prefix(3) == [0xD4, 0xE7, 0x39])
        #expect(fields.first(0x34)?.value == [0, 0, 0, 0, 0, 0, 0, 0] + PIVHarness.serial)
        #expect(fields.first(0x35)?.value == Array("20991231".utf8))
    }

    @Test("CCC is present; Key History, biometrics and unknown objects are 6A82")
    func otherObjects() {
        let token = PIVHarness()
        _ = token.selectPIV()
        #expect(token.getData([0x5F, 0xC1, 0x07]).statusWord == .success)
        #expect(token.getData([0x5F, 0xC1, 0x0C]).statusWord == .fileNotFound)
        #expect(token.getData([0x5F, 0xC1, 0x03]).statusWord == .fileNotFound)
        #expect(token.getData([0x5F, 0xC1, 0x05]).statusWord == .fileNotFound)   // no certificate yet
        #expect(token.getData([0x7F, 0x61]).statusWord == .fileNotFound)
    }

    @Test("OpenSC's first read with Le=08 gets 8 bytes and 61xx, the rest by GET RESPONSE")
    func shortRead() {
        let token = PIVHarness()
        _ = token.selectPIV()
        let first = token.send("00CB3FFF035C017E08")
        #expect(first.data.count == 8)
        #expect(first.statusWord == .bytesAvailable(12))
        let rest = token.send("00C000000C")
        #expect(rest.statusWord == .success)
        #expect(first.data + rest.data == token.getData([0x7E]).data)
    }

    @Test("The ATR offers T=1 and carries the PIV AID prefix in its historical bytes")
    func atr() throws {
        let atr = try ATR(parsing: TokenFirmware<TestPlatform>.atr)
        #expect(atr.protocols.contains(1))
        #expect(atr.historicalBytes == [0x80, 0xF9, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00])
    }
}
