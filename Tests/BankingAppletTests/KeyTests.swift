import BankingApplet
import CardOS
import ISO7816
import Testing

@Suite("Banking applet: keys, certificate, signatures")
struct KeyTests {
    static let digest = TestRSA.sha256("pay the rent".utf8.map { $0 })
    static let digestInfo = TestRSA.sha256DigestInfoPrefix + digest

    @Test("SIGN: a SHA-256 or SHA-1 DigestInfo signs with the authentication key and verifies with OpenSSL")
    func sign() throws {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize(.authentication))
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
        token.personalize(.authentication)
        #expect(token.send(token.apdu("002A9E9A", data, le: true)).statusWord == .wrongData)
        #expect(token.authenticationCounter == 0, "a refused SIGN does not advance the authentication counter")
        #expect(token.transferCounter == 0, "SIGN never touches the transfer counter")
    }

    @Test("INTERNAL AUTHENTICATE signs SHA-256(challenge) with the authentication key; challenges of 8–64 bytes only")
    func internalAuthenticate() throws {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize(.authentication))
        let challenge = [UInt8](repeating: 0x33, count: 8)
        let response = token.send(token.apdu("00880000", challenge, le: true))
        #expect(key.verify(response.data, data: challenge))
        #expect(token.send(token.apdu("00880000", [UInt8](repeating: 1, count: 7), le: true)).statusWord == .wrongLength)
        #expect(token.send(token.apdu("00880000", [UInt8](repeating: 1, count: 65), le: true)).statusWord == .wrongLength)
        #expect(token.send(token.apdu("00880000", [UInt8](repeating: 1, count: 64), le: true)).statusWord == .success)
    }

    @Test("SIGN and INTERNAL AUTHENTICATE advance the authentication counter only, CONFIRM the transfer counter only, GENERATE neither")
    func counters() {
        let token = TokenHarness()
        token.personalize(.authentication)
        _ = token.generate(.transfer)
        #expect(token.send(token.apdu("002A9E9A", KeyTests.digestInfo, le: true)).statusWord == .success)
        #expect(token.authenticationCounter == 1 && token.transferCounter == 0)
        #expect(token.send(token.apdu("00880000", [UInt8](repeating: 1, count: 16), le: true)).statusWord == .success)
        #expect(token.authenticationCounter == 2 && token.transferCounter == 0)
        #expect(token.confirm(TransferBody().bytes) == nil)
        #expect(token.approve().statusWord == .success)
        #expect(token.authenticationCounter == 2 && token.transferCounter == 1)
        _ = token.generate(.authentication)
        _ = token.generate(.transfer)
        _ = token.generate(.decryption)
        #expect(token.authenticationCounter == 2 && token.transferCounter == 1)
    }

    @Test("RSA-2048 on request: the public key comes through GET RESPONSE, signatures are 256 bytes")
    func rsa2048() throws {
        let token = TokenHarness()
        let publicKey = token.personalize(.authentication, algorithm: 0x02)
        let key = try TestRSA(publicKeyObject: publicKey)
        #expect(key.modulus.count == 256)
        #expect(token.info.first(0xC8)?.value == [0x02], "C8: the authentication key's algorithm")
        #expect(token.info.first(0xC2)?.value == [0x00], "C2: still no transfer key")
        #expect(token.info.first(0xC9)?.value == [0x00], "C9: still no decryption key")
        let response = token.send(token.apdu("002A9E9A", KeyTests.digestInfo, le: true))
        #expect(response.statusWord == .success)
        #expect(response.data.count == 256, "256 bytes fit a short Le of 00 exactly")
        #expect(key.verify(response.data, digest: KeyTests.digest))
    }

    @Test("READ PUBLIC KEY: 6A88 before a key exists, the generated key after; each key its own", arguments: BankingKey.allCases)
    func readPublicKey(key: BankingKey) {
        let token = TokenHarness()
        token.select()
        for each in BankingKey.allCases {
            #expect(token.readPublicKey(each).statusWord == .referencedDataNotFound)
        }
        let generated = token.personalize(key)
        #expect(token.readPublicKey(key).data == generated)
        for other in BankingKey.allCases where other != key {
            #expect(token.readPublicKey(other).statusWord == .referencedDataNotFound, "GENERATE \(key) made no \(other) key")
        }
    }

    @Test("the info TLV reports each key's algorithm: C2 transfer, C8 authentication, C9 decryption")
    func infoKeyAlgorithms() {
        let token = TokenHarness()
        token.personalize(.transfer, algorithm: 0x02)
        #expect(token.info.first(0xC2)?.value == [0x02])
        #expect(token.info.first(0xC8)?.value == [0x00] && token.info.first(0xC9)?.value == [0x00])
        _ = token.generate(.authentication)
        _ = token.generate(.decryption)
        #expect(token.info.first(0xC2)?.value == [0x02])
        #expect(token.info.first(0xC8)?.value == [0x01] && token.info.first(0xC9)?.value == [0x01])
        #expect(token.info.first(0xC1)?.value == [0x02, 0x00], "firmware 2.0")
    }

    @Test("three GENERATEs make three different key pairs")
    func keysAreDistinct() throws {
        let token = TokenHarness()
        let transfer = token.personalize(.transfer)
        let authentication = token.generate(.authentication)
        let decryption = token.generate(.decryption)
        #expect(Set([transfer, authentication, decryption]).count == 3)
    }

    @Test("GENERATE refuses unknown algorithms and templates, for every key, without waiting for the holder",
          arguments: BankingKey.allCases, [
        [0x80, 0x01, 0x03], [0x80, 0x01, 0x00], [0x80, 0x02, 0x01, 0x00], [0x81, 0x01, 0x01], [0x80],
    ] as [[UInt8]])
    func generateTemplate(key: BankingKey, template: [UInt8]) {
        let token = TokenHarness()
        token.personalize(.authentication)
        #expect(token.send(token.apdu("004780" + hexByte(key.rawValue), template, le: true)).statusWord == .wrongData)
        #expect(token.platform.presence.shownScreens.isEmpty)
    }

    @Test("GENERATE and READ PUBLIC KEY refuse key references other than 01–03", arguments: [0x00, 0x04, 0x10, 0x9A, 0xFF] as [UInt8])
    func unknownKeyReference(reference: UInt8) {
        let token = TokenHarness()
        token.personalize(.authentication)
        #expect(token.send(token.apdu("004780" + hexByte(reference), [0x80, 0x01, 0x01], le: true)).statusWord == .wrongP1P2)
        #expect(token.send(token.apdu("004781" + hexByte(reference), le: true)).statusWord == .wrongP1P2)
    }

    @Test("GENERATE of the transfer key waits for the holder; OK replaces the key and clears its certificate")
    func transferKeyGeneration() throws {
        let token = TokenHarness()
        let first = token.personalize(.transfer)
        let key = try TestRSA(publicKeyObject: first)
        #expect(token.send(token.apdu("00DA0111", certificate(modulus: key.modulus, exponent: key.exponent))).statusWord == .success)
        guard case .waiting = token.card.process(token.generateCommand(.transfer)) else {
            Issue.record("GENERATE of the transfer key answered without the holder's OK")
            return
        }
        let response = token.approve()
        #expect(response.statusWord == .success)
        #expect(token.platform.presence.shownScreens.map(\.lines)
                == [["New transfer key", ">RSA-1024", "Deletes the old", "key and its cert"], ["OK?"]])
        #expect(response.data != first)
        #expect(token.readPublicKey(.transfer).data == response.data)
        #expect(token.send("00CA011100").statusWord == .referencedDataNotFound, "the old certificate went with the old key")
    }

    @Test("GENERATE of the transfer key: Cancel is 6985 and the timeout 6401, the key unchanged")
    func transferKeyGenerationRefused() throws {
        let token = TokenHarness()
        let first = token.personalize(.transfer)
        let before = token.memory.committedRecords
        guard case .waiting = token.card.process(token.generateCommand(.transfer)) else {
            Issue.record("GENERATE of the transfer key answered without the holder's OK")
            return
        }
        #expect(token.card.press(.cancel) == StatusWord.conditionsNotSatisfied.bytes)
        guard case .waiting = token.card.process(token.generateCommand(.transfer)) else {
            Issue.record("GENERATE of the transfer key answered without the holder's OK")
            return
        }
        token.platform.clock.advance(by: token.platform.presence.confirmationTimeout)
        #expect(token.card.poll() == StatusWord.timeout.bytes)
        #expect(token.readPublicKey(.transfer).data == first)
        #expect(token.memory.committedRecords == before, "nothing was written")
    }

    @Test("GENERATE of the authentication and decryption keys answers at once", arguments: [BankingKey.authentication, .decryption])
    func otherKeysDoNotWait(key: BankingKey) {
        let token = TokenHarness()
        token.personalize(.authentication)
        guard case .response(let bytes) = token.card.process(token.generateCommand(key)) else {
            Issue.record("GENERATE of the \(key) key waited for the holder")
            return
        }
        #expect(token.fetchRemaining(try! ResponseAPDU(parsing: bytes)).statusWord == .success)
        #expect(token.platform.presence.shownScreens.isEmpty)
    }
}
