import CardOS
import HostPlatform
import ISO7816
import OATHProtocol
import Testing

/// The OATH applet beside the banking and PIV applets on one chip: its INS bytes and its
/// CALCULATE ALL / SEND REMAINING routing reach only it, and its RESET touches only its records.
@Suite struct ThreeAppletsTests {
    static let selectBanking: [UInt8] = [0x00, 0xA4, 0x04, 0x0C, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]
    static let selectPIV: [UInt8] = [0x00, 0xA4, 0x04, 0x0C, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08]

    @Test func oathInstructionsReachOnlyOATH() {
        let token = OATHHarness()
        #expect(token.send(ThreeAppletsTests.selectBanking).statusWord == .success)
        // With the banking applet selected, 00 A4 00 01 is a bad SELECT, A5 and PUT are unknown INS.
        #expect(token.send([0x00, 0xA4, 0x00, 0x01, 0x0A, 0x74, 0x08, 0, 0, 0, 0, 0, 0, 0, 1]).statusWord == .wrongP1P2)
        #expect(token.send([0x00, 0xA5, 0x00, 0x00]).statusWord == .insNotSupported)
        #expect(token.send(token.command(0x01, OATHHarness.putData("x", key: [1, 2, 3]))).statusWord == .insNotSupported)
        #expect(token.send(ThreeAppletsTests.selectPIV).statusWord == .success)
        #expect(token.send([0x00, 0xA4, 0x00, 0x01, 0x0A, 0x74, 0x08, 0, 0, 0, 0, 0, 0, 0, 1]).statusWord == .wrongP1P2)
        #expect(token.send(token.command(0xA1)).statusWord == .insNotSupported)
    }

    @Test func bankingPINSurvivesOATHAndOATHResetKeepsOtherRecords() {
        let token = OATHHarness()
        #expect(token.send(ThreeAppletsTests.selectBanking).statusWord == .success)
        #expect(token.send([0x00, 0x20, 0x00, 0x81, 0x06] + Array("123456".utf8)).statusWord == .success)
        token.select()
        token.put("a", key: InstructionTests.key)
        let others = (0x0000...0x02FF).compactMap { id in token.memory.read(RecordID(id)).map { (id, $0) } }
        #expect(token.exchange(0x04, p1: 0xDE, p2: 0xAD).statusWord == .success)
        let after = (0x0000...0x02FF).compactMap { id in token.memory.read(RecordID(id)).map { (id, $0) } }
        #expect(others.map(\.0) == after.map(\.0) && others.map(\.1) == after.map(\.1), "OATH RESET touched another applet's record")
        #expect(token.send(ThreeAppletsTests.selectBanking).statusWord == .success)
        // The banking PIN is still verified: VERIFY without data answers 9000.
        #expect(token.send([0x00, 0x20, 0x00, 0x81]).statusWord == .success)
    }
}
