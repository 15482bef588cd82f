import BankingApplet
import CardOS
import ISO7816
import Testing

@Suite("Banking applet: keys, certificate, signatures")
struct KeyTests {
    static let digest = TestRSA.sha256("pay the rent".utf8.map { $0 })
    static let digestInfo = TestRSA.sha256DigestInfoPrefix + digest

    @Test("SIGN: a SHA-256 or SHA-1 DigestInfo signs and verifies with OpenSSL")
    func sign() throws {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize())
        let response = token.send(token.apdu("002A9E9A", KeyTests.digestInfo, le: true))
        #expect(response.statusWord == .success)
        #expect(response.data.count == 128)
        #expect(key.verify(response.data, digest: KeyTests.digest))
        let sha1Digest = [UInt8](repeating: 0x5A, count: 20)
        let sha1Info = [UInt8](hex: "3021300906052B0E03021A05000414")! + sha1Digest
        let second = token.send(token.apdu("002A9E9A", sha1Info, le: true))
        #expect(key.verify(second.data, digest: sha1Digest))
    }

    @Test("SIGN refuses data that is not a SHA-256 or SHA-1 DigestInfo", arguments: [
        [UInt8](repeating: 1, count: 32),                                   // a bare digest
        TestRSA.sha256DigestInfoPrefix + [UInt8](repeating: 1, count: 31),  // short digest
        TestRSA.sha256DigestInfoPrefix + [UInt8](repeating: 1, count: 33),  // long digest
        [UInt8](hex: "3051300D060960864801650304020305000440")! + [UInt8](repeating: 1, count: 64), // SHA-512
    ])
    func signRefusesOtherData(data: [UInt8]) {
        let token = TokenHarness()
        token.personalize()
        #expect(token.send(token.apdu("002A9E9A", data, le: true)).statusWord == .wrongData)
        #expect(token.counter == 0, "a refused SIGN does not advance the counter")
    }

    @Test("INTERNAL AUTHENTICATE signs SHA-256(challenge); challenges of 8–64 bytes only")
    func internalAuthenticate() throws {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize())
        let challenge = [UInt8](repeating: 0x33, count: 8)
        let response = token.send(token.apdu("00880000", challenge, le: true))
        #expect(key.verify(response.data, data: challenge))
        #expect(token.send(token.apdu("00880000", [UInt8](repeating: 1, count: 7), le: true)).statusWord == .wrongLength)
        #expect(token.send(token.apdu("00880000", [UInt8](repeating: 1, count: 65), le: true)).statusWord == .wrongLength)
        #expect(token.send(token.apdu("00880000", [UInt8](repeating: 1, count: 64), le: true)).statusWord == .success)
    }

    @Test("the counter advances with SIGN, INTERNAL AUTHENTICATE and CONFIRM, never with GENERATE")
    func counter() {
        let token = TokenHarness()
        token.personalize()
        _ = token.send(token.apdu("002A9E9A", KeyTests.digestInfo, le: true))
        #expect(token.counter == 1)
        _ = token.send(token.apdu("00880000", [UInt8](repeating: 1, count: 16), le: true))
        #expect(token.counter == 2)
        #expect(token.confirm(TransferBody().bytes) == nil)
        #expect(token.approve().statusWord == .success)
        #expect(token.counter == 3)
        _ = token.generate()
        #expect(token.counter == 3)
    }

    @Test("RSA-2048 on request: the public key comes through GET RESPONSE, signatures are 256 bytes")
    func rsa2048() throws {
        let token = TokenHarness()
        let publicKey = token.personalize(algorithm: 0x02)
        let key = try TestRSA(publicKeyObject: publicKey)
        #expect(key.modulus.count == 256)
        #expect(token.info.first(0xC2)?.value == [0x02])
        let response = token.send(token.apdu("002A9E9A", KeyTests.digestInfo, le: true))
        #expect(response.statusWord == .success)
        #expect(response.data.count == 256, "256 bytes fit a short Le of 00 exactly")
        #expect(key.verify(response.data, digest: KeyTests.digest))
    }

    @Test("READ PUBLIC KEY: 6A88 before a key exists, the generated key after")
    func readPublicKey() {
        let token = TokenHarness()
        token.select()
        #expect(token.send("0047810100").statusWord == .referencedDataNotFound)
        let generated = token.personalize()
        #expect(token.send("0047810100").data == generated)
    }

    @Test("GENERATE refuses unknown algorithms and templates", arguments: [
        [0x80, 0x01, 0x03], [0x80, 0x01, 0x00], [0x80, 0x02, 0x01, 0x00], [0x81, 0x01, 0x01], [0x80],
    ] as [[UInt8]])
    func generateTemplate(template: [UInt8]) {
        let token = TokenHarness()
        token.personalize()
        #expect(token.send(token.apdu("00478001", template, le: true)).statusWord == .wrongData)
    }
}
