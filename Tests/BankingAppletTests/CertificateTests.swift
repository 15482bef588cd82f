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

@Suite("Banking applet: certificate")
struct CertificateTests {
    @Test("PUT then GET CERTIFICATE, by extended length and by chaining")
    func putAndGet() throws {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize())
        let der = certificate(modulus: key.modulus, exponent: key.exponent)
        #expect(token.send(token.apdu("00DA0110", der)).statusWord == .success)
        #expect(token.send("00CA0110000000").data == der)
        // The same through command chaining in 200-byte parts.
        let parts = stride(from: 0, to: der.count, by: 200).map { Array(der[$0..<min($0 + 200, der.count)]) }
        for (index, part) in parts.enumerated() {
            let cla: UInt8 = index == parts.count - 1 ? 0x00 : 0x10
            let command = try CommandAPDU(cla: cla, ins: 0xDA, p1: 0x01, p2: 0x10, data: part)
            #expect(token.send(command.bytes).statusWord == .success)
        }
        #expect(token.send("00CA0110000000").data == der)
    }

    @Test("a certificate for another key is 6A80")
    func otherKey() throws {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize())
        var otherModulus = key.modulus
        otherModulus[100] ^= 0x01
        #expect(token.send(token.apdu("00DA0110", certificate(modulus: otherModulus, exponent: key.exponent))).statusWord == .wrongData)
        #expect(token.send(token.apdu("00DA0110", certificate(modulus: key.modulus, exponent: [0x03]))).statusWord == .wrongData)
        #expect(token.send(token.apdu("00DA0110", [0x30, 0x03, 0x02, 0x01, 0x01])).statusWord == .wrongData)
        #expect(token.send("00CA011000").statusWord == .referencedDataNotFound)
    }

    @Test("no key is 6A88, no PIN is 6982, over 3 KB is 6A84")
    func refusals() throws {
        let token = TokenHarness()
        token.select()
        #expect(token.verify(TokenHarness.factoryPIN) == .success)
        let dummy = certificate(modulus: [UInt8](repeating: 0xC1, count: 128), exponent: [1, 0, 1])
        #expect(token.send(token.apdu("00DA0110", dummy)).statusWord == .referencedDataNotFound)
        let key = try TestRSA(publicKeyObject: token.personalize())
        let large = certificate(modulus: key.modulus, exponent: key.exponent, padding: 3000)
        #expect(large.count > 3072)
        #expect(token.send(token.apdu("00DA0110", large)).statusWord == .notEnoughMemory)
        token.card.reset()
        token.select()
        #expect(token.send(token.apdu("00DA0110", certificate(modulus: key.modulus, exponent: key.exponent))).statusWord
                == .securityStatusNotSatisfied)
    }

    @Test("GENERATE replaces the key and clears the certificate")
    func generateClearsCertificate() throws {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize())
        #expect(token.send(token.apdu("00DA0110", certificate(modulus: key.modulus, exponent: key.exponent))).statusWord == .success)
        let second = token.generate()
        #expect(second != TLV(tag: 0x7F49, children: [TLV(tag: 0x81, value: key.modulus), TLV(tag: 0x82, value: key.exponent)]).bytes)
        #expect(token.send("00CA011000").statusWord == .referencedDataNotFound)
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
        ("00478002", StatusWord.wrongP1P2),
        ("002A9E9B", StatusWord.wrongP1P2),
        ("00CA0200", StatusWord.referencedDataNotFound),
        ("00880001", StatusWord.wrongP1P2),
        ("00840001", StatusWord.wrongP1P2),
        ("00DA0111", StatusWord.wrongP1P2),
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
