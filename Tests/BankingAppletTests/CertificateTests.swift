import BankingApplet
import CardOS
import ISO7816
import Testing

/// A structurally valid X.509 certificate for (n, e). The card checks only that the
/// certificate's key is its own; the signature is the bank's business, so a dummy one will do.
func certificate(modulus: [UInt8], exponent: [UInt8], padding: Int = 0) -> [UInt8] {
    func integer(_ bytes: [UInt8]) -> TLV { TLV(tag: 0x02, value: (bytes.first ?? 0) >= 0x80 ? [0] + bytes : bytes) }
    let rsaEncryption = TLV(tag: 0x30, children: [TLV(tag: 0x06, value: [UInt8](hex: "2A864886F70D010101")!), TLV(tag: 0x05, value: [])])
    let sha256WithRSA = TLV(tag: 0x30, children: [TLV(tag: 0x06, value: [UInt8](hex: "2A864886F70D01010B")!), TLV(tag: 0x05, value: [])])
    let name = TLV(tag: 0x30, children: [TLV(tag: 0x31, children: [TLV(tag: 0x30, children: [
        TLV(tag: 0x06, value: [0x55, 0x04, 0x03]), TLV(tag: 0x0C, value: Array("UKey test".utf8) + [UInt8](repeating: 0x41, count: padding))])])])
    let validity = TLV(tag: 0x30, children: [TLV(tag: 0x17, value: Array("260101000000Z".utf8)), TLV(tag: 0x17, value: Array("360101000000Z".utf8))])
    let publicKey = TLV(tag: 0x30, children: [integer(modulus), integer(exponent)]).bytes
    let info = TLV(tag: 0x30, children: [rsaEncryption, TLV(tag: 0x03, value: [0x00] + publicKey)])
    let tbs = TLV(tag: 0x30, children: [TLV(tag: 0xA0, children: [TLV(tag: 0x02, value: [0x02])]), TLV(tag: 0x02, value: [0x01]),
                                        sha256WithRSA, name, validity, name, info])
    return TLV(tag: 0x30, children: [tbs, sha256WithRSA, TLV(tag: 0x03, value: [0x00] + [UInt8](repeating: 0x5C, count: 128))]).bytes
}

/// The certificate P1P2 of `key`: `01 1k`.
func certificateP1P2(_ key: BankingKey) -> String { "011" + String(key.rawValue) }

@Suite("Banking applet: certificates, one per key")
struct CertificateTests {
    @Test("PUT then GET CERTIFICATE, by extended length and by chaining", arguments: BankingKey.allCases)
    func putAndGet(key reference: BankingKey) throws {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize(reference))
        let der = certificate(modulus: key.modulus, exponent: key.exponent)
        #expect(token.send(token.apdu("00DA" + certificateP1P2(reference), der)).statusWord == .success)
        #expect(token.send("00CA" + certificateP1P2(reference) + "000000").data == der)
        // The same through command chaining in 200-byte parts.
        let parts = stride(from: 0, to: der.count, by: 200).map { Array(der[$0..<min($0 + 200, der.count)]) }
        for (index, part) in parts.enumerated() {
            let cla: UInt8 = index == parts.count - 1 ? 0x00 : 0x10
            let command = try CommandAPDU(cla: cla, ins: 0xDA, p1: 0x01, p2: 0x10 | reference.rawValue, data: part)
            #expect(token.send(command.bytes).statusWord == .success)
        }
        #expect(token.send("00CA" + certificateP1P2(reference) + "000000").data == der)
        for other in BankingKey.allCases where other != reference {
            #expect(token.send("00CA" + certificateP1P2(other) + "00").statusWord == .referencedDataNotFound,
                    "the \(reference) certificate is not the \(other) one")
        }
    }

    @Test("a certificate for another key is 6A80, including another of the card's own keys", arguments: BankingKey.allCases)
    func otherKey(key reference: BankingKey) throws {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize(reference))
        let header = "00DA" + certificateP1P2(reference)
        var otherModulus = key.modulus
        otherModulus[100] ^= 0x01
        #expect(token.send(token.apdu(header, certificate(modulus: otherModulus, exponent: key.exponent))).statusWord == .wrongData)
        #expect(token.send(token.apdu(header, certificate(modulus: key.modulus, exponent: [0x03]))).statusWord == .wrongData)
        #expect(token.send(token.apdu(header, [0x30, 0x03, 0x02, 0x01, 0x01])).statusWord == .wrongData)
        #expect(token.send("00CA" + certificateP1P2(reference) + "00").statusWord == .referencedDataNotFound)
        // The certificate of this key, put under the slot of another key the card holds.
        for other in BankingKey.allCases where other != reference {
            _ = token.generate(other)
            #expect(token.send(token.apdu("00DA" + certificateP1P2(other), certificate(modulus: key.modulus, exponent: key.exponent)))
                        .statusWord == .wrongData, "the \(reference) key's certificate is no \(other) certificate")
        }
    }

    @Test("no key is 6A88, no PIN is 6982, over 3 KB is 6A84")
    func refusals() throws {
        let token = TokenHarness()
        token.select()
        #expect(token.verify(TokenHarness.factoryPIN) == .success)
        let dummy = certificate(modulus: [UInt8](repeating: 0xC1, count: 128), exponent: [1, 0, 1])
        for key in BankingKey.allCases {
            #expect(token.send(token.apdu("00DA" + certificateP1P2(key), dummy)).statusWord == .referencedDataNotFound)
        }
        let key = try TestRSA(publicKeyObject: token.personalize(.authentication))
        let large = certificate(modulus: key.modulus, exponent: key.exponent, padding: 3000)
        #expect(large.count > 3072)
        #expect(token.send(token.apdu("00DA0112", large)).statusWord == .notEnoughMemory)
        token.card.reset()
        token.select()
        #expect(token.send(token.apdu("00DA0112", certificate(modulus: key.modulus, exponent: key.exponent))).statusWord
                == .securityStatusNotSatisfied)
    }

    @Test("GENERATE replaces a key and clears its certificate only", arguments: BankingKey.allCases)
    func generateClearsCertificate(key reference: BankingKey) throws {
        let token = TokenHarness()
        token.personalize(.authentication)
        var certificates: [BankingKey: [UInt8]] = [:]
        for key in BankingKey.allCases {
            let publicKey = try TestRSA(publicKeyObject: key == .authentication ? token.readPublicKey(key).data : token.generate(key))
            let der = certificate(modulus: publicKey.modulus, exponent: publicKey.exponent)
            #expect(token.send(token.apdu("00DA" + certificateP1P2(key), der)).statusWord == .success)
            certificates[key] = der
        }
        let first = token.readPublicKey(reference).data
        let second = token.generate(reference)
        #expect(second != first)
        #expect(token.send("00CA" + certificateP1P2(reference) + "00").statusWord == .referencedDataNotFound)
        for other in BankingKey.allCases where other != reference {
            #expect(token.send("00CA" + certificateP1P2(other) + "000000").data == certificates[other],
                    "GENERATE \(reference) leaves the \(other) certificate")
        }
    }
}

@Suite("Banking applet: command validation")
struct CommandValidationTests {
    @Test("wrong CLA, INS and P1-P2", arguments: [
        ("80200081", StatusWord.claNotSupported),     // VERIFY with CLA 80
        ("00CB3FFF", StatusWord.insNotSupported),     // PIV GET DATA: the banking applet does not know it
        ("00B00000", StatusWord.insNotSupported),     // READ BINARY
        ("80C00001", StatusWord.wrongP1P2),           // CONFIRM with P2 01
        ("00200080", StatusWord.wrongP1P2),           // VERIFY for another PIN reference
        ("00478201", StatusWord.wrongP1P2),
        ("00478004", StatusWord.wrongP1P2),           // no key 04
        ("00478000", StatusWord.wrongP1P2),
        ("00478104", StatusWord.wrongP1P2),
        ("002A9E9B", StatusWord.wrongP1P2),
        ("00CA0200", StatusWord.referencedDataNotFound),
        ("00880001", StatusWord.wrongP1P2),
        ("00840001", StatusWord.wrongP1P2),
        ("00DA0110", StatusWord.wrongP1P2),           // certificate of no key
        ("00DA0114", StatusWord.wrongP1P2),
        ("00DA0211", StatusWord.wrongP1P2),
        ("00CA0110", StatusWord.referencedDataNotFound),
        ("00CA0114", StatusWord.referencedDataNotFound),
        ("00500001", StatusWord.insNotSupported),     // the card-built request is CLA 80 only
        ("80500003", StatusWord.wrongP1P2),           // no request for the decryption key
        ("80500101", StatusWord.wrongP1P2),
    ])
    func refusals(header: String, status: StatusWord) {
        let token = TokenHarness()
        token.select()
        #expect(token.send(header + "00").statusWord == status)
    }

    @Test("GET CHALLENGE returns Ne fresh random bytes")
    func getChallenge() {
        let token = TokenHarness()
        token.select()
        let first = token.send("0084000008"), second = token.send("0084000008")
        #expect(first.statusWord == .success && first.data.count == 8)
        #expect(first.data != second.data)
        #expect(token.send("0084000000").data.count == 256)
        #expect(token.send("00840000000101").statusWord == .wrongLength, "more than 256 bytes")
    }
}
