import CardOS
import HostPlatform
import ISO7816
import PIVApplet
import Testing

/// The 9B management key: mutual and external authentication (3DES-ECB), the random source
/// OpenSC uses, and what it guards.
@Suite("PIV applet: 9B management key")
struct ManagementKeyTests {
    @Test("Mutual authentication with the right key opens GENERATE and PUT DATA")
    func mutual() {
        let token = PIVHarness()
        _ = token.selectPIV()
        #expect(token.generate(slot: 0x9A, algorithm: 0x06).statusWord == .securityStatusNotSatisfied)
        #expect(token.authenticate() == .success)
        #expect(token.generate(slot: 0x9A, algorithm: 0x06).statusWord == .success)
    }

    @Test("A wrong key is 6982 and authenticates nothing")
    func wrongKey() {
        let token = PIVHarness()
        _ = token.selectPIV()
        #expect(token.authenticate(key: [UInt8](repeating: 0x42, count: 24)) == .securityStatusNotSatisfied)
        #expect(token.generate(slot: 0x9A, algorithm: 0x06).statusWord == .securityStatusNotSatisfied)
    }

    @Test("Step 2 without step 1, or after another command, is 6982")
    func stepOrder() {
        let token = PIVHarness()
        _ = token.selectPIV()
        let stepTwo = token.apdu("0087039B", [0x7C, 0x14, 0x80, 0x08] + [UInt8](repeating: 0, count: 8)
                                  + [0x81, 0x08] + [UInt8](repeating: 1, count: 8), le: true)
        #expect(token.send(stepTwo).statusWord == .securityStatusNotSatisfied)
        let first = token.send(token.apdu("0087039B", [0x7C, 0x02, 0x80, 0x00], le: true))
        let witness = tripleDES(key: PIVHarness.managementKey, block: Array(first.data[4...]), encrypt: false)
        _ = token.getData([0x7E])                         // any command in between ends the exchange
        let late = token.apdu("0087039B", [0x7C, 0x14, 0x80, 0x08] + witness + [0x81, 0x08] + [UInt8](repeating: 1, count: 8),
                              le: true)
        #expect(token.send(late).statusWord == .securityStatusNotSatisfied)
    }

    @Test("External authentication: 81 00 gives a challenge, 82 E(challenge) proves the key")
    func external() {
        let token = PIVHarness()
        _ = token.selectPIV()
        let challenge = token.send(token.apdu("0087039B", [0x7C, 0x02, 0x81, 0x00], le: true))
        #expect(challenge.statusWord == .success)
        #expect(challenge.data.prefix(4) == [0x7C, 0x0A, 0x81, 0x08])
        let answer = tripleDES(key: PIVHarness.managementKey, block: Array(challenge.data[4...]), encrypt: true)
        #expect(token.send(token.apdu("0087039B", [0x7C, 0x0A, 0x82, 0x08] + answer)).statusWord == .success)
        #expect(token.generate(slot: 0x9E, algorithm: 0x06).statusWord == .success)
    }

    @Test("`00 87 00 9B 7C{81 00}` is OpenSC's random source: 8 fresh bytes each time")
    func random() {
        let token = PIVHarness()
        _ = token.selectPIV()
        let one = token.send("0087009B047C02810000")
        let two = token.send("0087009B047C02810000")
        #expect(one.statusWord == .success && two.statusWord == .success)
        #expect(one.data.count == 12 && two.data.count == 12)
        #expect(one.data != two.data)
    }

    @Test("The authentication lasts until reset, and survives selecting the banking applet")
    func lifetime() {
        let token = PIVHarness()
        _ = token.selectPIV()
        #expect(token.authenticate() == .success)
        #expect(token.selectBanking() == .success)
        _ = token.selectPIV()
        #expect(token.generate(slot: 0x9A, algorithm: 0x06).statusWord == .success)
        token.card.reset()
        _ = token.selectPIV()
        #expect(token.generate(slot: 0x9A, algorithm: 0x06).statusWord == .securityStatusNotSatisfied)
    }
}
