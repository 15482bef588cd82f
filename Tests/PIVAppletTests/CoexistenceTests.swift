import BankingApplet
import CardOS
import HostPlatform
import ISO7816
import PIVApplet
import Testing
import TokenDevice

/// Two applets on one chip: separate keys, separate security state that survives switching
/// between them and is cleared by reset.
@Suite("PIV applet beside the banking applet")
struct CoexistenceTests {
    @Test("The banking applet keeps answering PIV's INS CB with 6D00 (OpenSC re-selects PIV)")
    func bankingRefusesPIV() {
        let token = PIVHarness()
        #expect(token.selectBanking() == .success)
        #expect(token.getData([0x7E]).statusWord == .insNotSupported)
        #expect(token.send("0087069A047C028200").statusWord == .insNotSupported)
    }

    @Test("Each applet's PIN state survives selecting the other and is cleared by reset")
    func statePerApplet() {
        let token = PIVHarness()
        _ = token.selectPIV()
        #expect(token.verify() == .success)
        #expect(token.selectBanking() == .success)
        #expect(token.send(token.apdu("00200081", Array(PIVHarness.bankingPIN.utf8))).statusWord == .success)
        _ = token.selectPIV()
        #expect(token.pinStatus == .success)
        #expect(token.selectBanking() == .success)
        #expect(token.send("00200081").statusWord == .success)
        token.card.reset()
        _ = token.selectPIV()
        #expect(token.pinStatus == .verificationFailed(triesLeft: 3))
        #expect(token.selectBanking() == .success)
        #expect(token.send("00200081").statusWord == .verificationFailed(triesLeft: 3))
    }

    @Test("No PIV command reaches the banking key: a personalized banking token has empty PIV slots")
    func separateKeys() throws {
        let token = PIVHarness()
        #expect(token.selectBanking() == .success)
        let change = [UInt8(6)] + Array(PIVHarness.bankingPIN.utf8) + [UInt8(8)] + Array("24681357".utf8)
        #expect(token.send(token.apdu("00240081", change)).statusWord == .success)
        let banking = token.exchange(token.apdu("00478002", [0x80, 0x01, 0x01], le: true))   // the authentication key
        #expect(banking.statusWord == .success)
        _ = token.selectPIV()
        #expect(token.verify() == .success)
        let block = [0x00, 0x01] + [UInt8](repeating: 0xFF, count: 126)
        for slot: UInt8 in [0x9A, 0x9C, 0x9D, 0x9E] {
            #expect(token.sign(slot: slot, algorithm: 0x06, block: block).statusWord == .referencedDataNotFound)
        }
        #expect(token.authenticate() == .success)
        let piv = token.generate(slot: 0x9A, algorithm: 0x06)
        #expect(try PublicKey(object: piv.data).modulus != PublicKey(object: banking.data).modulus)
        // The banking key and its certificate are untouched by the PIV work.
        #expect(token.selectBanking() == .success)
        #expect(token.exchange([0x00, 0x47, 0x81, 0x02, 0x00]).data == banking.data)
    }

    @Test("A token made before the PIV applet gets its secrets once, without touching the banking records")
    func upgrade() throws {
        let memory = MemoryNVM()
        try TokenFirmware<TestPlatform>.manufacture(memory, serial: PIVHarness.serial, pin: Array("123456".utf8),
                                                    puk: Array("87654321".utf8), piv: .wellKnownDefaults)
        try memory.commit([(0x0201, nil), (0x0202, nil), (0x0203, nil)])          // as an old firmware left it
        let banking = memory.committedRecords
        #expect(TokenFirmware<TestPlatform>.needsPIV(memory))
        try TokenFirmware<TestPlatform>.installPIV(memory, credentials: .wellKnownDefaults)
        #expect(!TokenFirmware<TestPlatform>.needsPIV(memory))
        for (record, value) in banking { #expect(memory.committedRecords[record] == value) }
        #expect(throws: ManufactureError.alreadyManufactured) {
            try TokenFirmware<TestPlatform>.installPIV(memory, credentials: .wellKnownDefaults)
        }
    }

    @Test("Invalid PIV credentials are refused at manufacture")
    func invalidCredentials() {
        let memory = MemoryNVM()
        var credentials = PIVCredentials.wellKnownDefaults
        credentials.managementKey = [1, 2, 3]
        #expect(throws: ManufactureError.invalidPIVCredentials) {
            try TokenFirmware<TestPlatform>.manufacture(memory, serial: PIVHarness.serial, pin: Array("123456".utf8),
                                                        puk: Array("87654321".utf8), piv: credentials)
        }
        credentials = .wellKnownDefaults
        credentials.pin = Array("12345".utf8)
        #expect(throws: ManufactureError.invalidPIVCredentials) {
            try TokenFirmware<TestPlatform>.manufacture(memory, serial: PIVHarness.serial, pin: Array("123456".utf8),
                                                        puk: Array("87654321".utf8), piv: credentials)
        }
        #expect(memory.committedRecords.isEmpty)
    }
}
