import Foundation
import ISO7816
import Synchronization
import Testing
import UKey

/// `PIVToken` against ``FakePIVCard`` (written from PIV-INTERFACE.md): the exact APDUs, 61xx
/// chaining of long answers, CLA 10 chaining of long commands, 9B mutual authentication with a
/// known key and witness, and each refusal mapped to its `TokenError`.
@Suite("PIVToken against a fake PIV card")
struct PIVTokenTests {
    static let pin: Secret = "123456"
    static let puk: Secret = "12345678"
    static let managementKey = try! PIVManagementKey(hex: "010203040506070801020304050607080102030405060708")
    static let select: [UInt8] = [0x00, 0xA4, 0x04, 0x00, 0x0B, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00]

    @Test("the serial is the CHUID GUID's last 8 bytes: SELECT, then GET DATA 5FC102")
    func serial() async throws {
        let card = FakePIVCard()
        #expect(try await PIVToken(channel: card).serial() == "554B00000000012A")
        #expect(card.received == [Self.select, [0x00, 0xCB, 0x3F, 0xFF, 0x05, 0x5C, 0x03, 0x5F, 0xC1, 0x02, 0x00]])
    }

    @Test("VERIFY sends the PIN FF-padded to 8; wrong PINs count down to blocked")
    func verify() async throws {
        let card = FakePIVCard()
        let piv = PIVToken(channel: card)
        try await piv.verifyPIN(Self.pin)
        #expect(card.received.last == [0x00, 0x20, 0x00, 0x80, 0x08, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0xFF, 0xFF])
        #expect(try await piv.pinStatus() == PIVCredentialStatus(verified: true, triesLeft: nil))
        #expect(card.received.last == [0x00, 0x20, 0x00, 0x80], "the status query has no data and no Le")
        await #expect(throws: TokenError.wrongPIN(triesLeft: 2)) { try await piv.verifyPIN("654321") }
        await #expect(throws: TokenError.wrongPIN(triesLeft: 1)) { try await piv.verifyPIN("654321") }
        await #expect(throws: TokenError.blocked) { try await piv.verifyPIN("654321") }
        await #expect(throws: TokenError.blocked) { try await piv.verifyPIN(Self.pin) }
        #expect(try await piv.pinStatus().isBlocked)
    }

    @Test("a PIN or PUK the card cannot take never reaches it", arguments: ["12345", "123456789", "12345a", ""])
    func format(_ text: String) async throws {
        let card = FakePIVCard()
        let piv = PIVToken(channel: card)
        await #expect(throws: TokenError.self) { try await piv.verifyPIN(Secret(text)) }
        await #expect(throws: TokenError.self) { try await piv.changePIN(old: Self.pin, new: Secret(text)) }
        await #expect(throws: TokenError.self) { try await piv.unblockPIN(puk: Secret(text), newPIN: Self.pin) }
        #expect(!card.received.contains { $0.count > 1 && [0x20, 0x24, 0x2C].contains($0[1]) && $0.count > 4 })
    }

    @Test("CHANGE REFERENCE and RESET RETRY COUNTER: old8 new8, the PUK's own tries, unblock leaves the PIN unverified")
    func changeAndUnblock() async throws {
        let card = FakePIVCard()
        let piv = PIVToken(channel: card)
        try await piv.changePIN(old: Self.pin, new: "87654321")
        #expect(card.received.last == [0x00, 0x24, 0x00, 0x80, 0x10] + Array("123456".utf8) + [0xFF, 0xFF] + Array("87654321".utf8))
        try await piv.changePUK(old: Self.puk, new: "11223344")
        #expect(card.received.last == [0x00, 0x24, 0x00, 0x81, 0x10] + Array("12345678".utf8) + Array("11223344".utf8))
        for _ in 0..<2 { await #expect(throws: TokenError.self) { try await piv.verifyPIN("000000") } }
        await #expect(throws: TokenError.blocked) { try await piv.verifyPIN("000000") }
        await #expect(throws: TokenError.wrongPUK(triesLeft: 2)) { try await piv.unblockPIN(puk: Self.puk, newPIN: "135790") }
        try await piv.unblockPIN(puk: "11223344", newPIN: "135790")
        #expect(card.received.last == [0x00, 0x2C, 0x00, 0x80, 0x10] + Array("11223344".utf8) + Array("135790".utf8) + [0xFF, 0xFF])
        #expect(try await piv.pinStatus() == PIVCredentialStatus(verified: false, triesLeft: 3))
        try await piv.verifyPIN("135790")
    }

    @Test("9B mutual authentication: the known witness decrypts, the card's answer to our challenge is checked")
    func mutualAuthentication() async throws {
        let card = FakePIVCard()
        try await PIVToken(channel: card).authenticate(managementKey: Self.managementKey)
        let sent = card.received
        #expect(sent[1] == [0x00, 0x87, 0x03, 0x9B, 0x04, 0x7C, 0x02, 0x80, 0x00, 0x00])
        // 3DES-ECB of 11 22 … 88 under 0102…08 (openssl enc -des-ede3 -nopad) is 6C5E94DCADD39F1D;
        // the host sends the plain witness back with its own 8-byte challenge.
        let step2 = sent[2]
        #expect(Array(step2.prefix(15)) == [0x00, 0x87, 0x03, 0x9B, 0x16, 0x7C, 0x14, 0x80, 0x08, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66] )
        #expect(Array(step2[15..<19]) == [0x77, 0x88, 0x81, 0x08])
        #expect(step2.count == 5 + 22 + 1 && step2.last == 0x00)
        #expect(FakePIVCard.tripleDES(FakePIVCard.defaultManagementKey, [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88], encrypt: true)
                == [0x6C, 0x5E, 0x94, 0xDC, 0xAD, 0xD3, 0x9F, 0x1D])
        #expect(card.state.withLock { $0.managementKeyAuthenticated })
    }

    @Test("a wrong management key is refused as wrongManagementKey, and GENERATE does not happen")
    func wrongManagementKey() async throws {
        let card = FakePIVCard()
        let wrong = try PIVManagementKey(hex: "0123456789ABCDEFFEDCBA98765432100011223344556677")
        await #expect(throws: TokenError.wrongManagementKey) {
            try await PIVToken(channel: card).generate(slot: .authentication, algorithm: .rsa1024, managementKey: wrong)
        }
        #expect(!card.received.contains { $0.count > 1 && $0[1] == 0x47 })
    }

    @Test("management keys: 48 hex digits, and never printed", arguments: ["", "0102", String(repeating: "0", count: 47) + "g",
                                                                            String(repeating: "0", count: 50)])
    func managementKeyFormat(_ text: String) throws {
        #expect(throws: TokenError.self) { try PIVManagementKey(hex: Secret(text)) }
        #expect("\(Self.managementKey)" == "••••••••")
        #expect(!String(reflecting: Self.managementKey).contains("01"))
    }

    @Test("GENERATE RSA-2048 in 9A: AC 03 80 01 07, the 7F49 answer collected through 61xx and GET RESPONSE")
    func generate2048() async throws {
        let card = FakePIVCard()
        let key = try await PIVToken(channel: card).generate(slot: .authentication, algorithm: .rsa2048, managementKey: Self.managementKey)
        #expect(key.bitCount == 2048)
        let sent = card.received
        let generate = try #require(sent.firstIndex { $0.count > 1 && $0[1] == 0x47 })
        #expect(sent[generate] == [0x00, 0x47, 0x00, 0x9A, 0x05, 0xAC, 0x03, 0x80, 0x01, 0x07, 0x00])
        #expect(sent[generate + 1] == [0x00, 0xC0, 0x00, 0x00, UInt8(truncatingIfNeeded: key.publicKeyTemplate.count - 256)])
        #expect(key == card.state.withLock { $0.keys[0x9A]!.publicKey })
    }

    @Test("a 9C signature: VERIFY right before GENERAL AUTHENTICATE, the PKCS#1 block chained with CLA 10, verified")
    func signature() async throws {
        let card = FakePIVCard()
        let piv = PIVToken(channel: card)
        let key = try await piv.generate(slot: .signature, algorithm: .rsa2048, managementKey: Self.managementKey)
        let digest = DigestAlgorithm.sha256.hash(Array("hello".utf8))
        let before = card.received.count
        let signature = try await piv.sign(digest: digest, slot: .signature, pin: Self.pin, publicKey: key)
        #expect(key.verify(signature: signature, digest: digest, algorithm: .sha256))
        let sent = Array(card.received[before...])
        #expect(sent[0] == Self.select)
        #expect(sent[1].prefix(5) == [0x00, 0x20, 0x00, 0x80, 0x08])
        #expect(sent[2].prefix(5) == [0x10, 0x87, 0x07, 0x9C, 0xFF], "266 bytes of 7C {82 00, 81 block} go in two parts")
        #expect(sent[3].prefix(4) == [0x00, 0x87, 0x07, 0x9C])
        let data = Array(sent[2][5...]) + Array(sent[3][5..<(sent[3].count - 1)])
        let block = try #require(DigestAlgorithm.sha256.pkcs1SignatureBlock(digest: digest, length: 256))
        #expect(data == [0x7C, 0x82, 0x01, 0x06, 0x82, 0x00, 0x81, 0x82, 0x01, 0x00] + block)
        #expect(block.prefix(2) == [0x00, 0x01] && block[2..<204].allSatisfy { $0 == 0xFF } && block[204] == 0x00
               && Array(block[205...]) == DigestAlgorithm.sha256.digestInfoPrefix + digest)
        // 9C: one VERIFY, one signature.
        await #expect(throws: TokenError.pinNotVerified) { try await piv.sign(digest: digest, slot: .signature, publicKey: key) }
    }

    @Test("an empty slot is notPersonalized(noKey); 9E signs without a PIN")
    func emptySlotAndCardAuthentication() async throws {
        let card = FakePIVCard()
        let piv = PIVToken(channel: card)
        let other = try TestRSAKey(bits: 1024)
        await #expect(throws: TokenError.notPersonalized(.noKey)) {
            try await piv.sign(digest: [UInt8](repeating: 1, count: 32), slot: .cardAuthentication, publicKey: other.publicKey)
        }
        let key = try await piv.generate(slot: .cardAuthentication, algorithm: .rsa1024, managementKey: Self.managementKey)
        _ = try await piv.sign(digest: [UInt8](repeating: 1, count: 32), slot: .cardAuthentication, publicKey: key)
        await #expect(throws: TokenError.self, "a signature checked against another key is refused") {
            try await piv.sign(digest: [UInt8](repeating: 1, count: 32), slot: .cardAuthentication, publicKey: other.publicKey)
        }
    }

    @Test("certificates: PUT DATA 5C 03 5FC105 53 {70 DER, 71 00, FE 00}, GET DATA returns it, 53 00 deletes")
    func certificates() async throws {
        let card = FakePIVCard()
        let piv = PIVToken(channel: card)
        await #expect(throws: TokenError.notPersonalized(.noCertificate)) { try await piv.certificate(slot: .authentication) }
        let key = try await piv.generate(slot: .authentication, algorithm: .rsa2048, managementKey: Self.managementKey)
        let certificate = try CryptoFixtures.bank.issue(for: CertificateSigningRequest(
            certificationRequestInfo: CertificateSigningRequest.certificationRequestInfo(subject: "CN=x", publicKey: key),
            signature: try await piv.sign(digest: DigestAlgorithm.sha256.hash(
                CertificateSigningRequest.certificationRequestInfo(subject: "CN=x", publicKey: key)),
                slot: .authentication, pin: Self.pin, publicKey: key)), profile: .tlsClient)
        try await piv.putCertificate(certificate, slot: .authentication, managementKey: Self.managementKey)
        let object = [0x70] + TLV.encodeLength(certificate.der.count) + certificate.der + [0x71, 0x01, 0x00, 0xFE, 0x00]
        let expected = [0x5C, 0x03, 0x5F, 0xC1, 0x05, 0x53] + TLV.encodeLength(object.count) + object
        let parts = card.received.filter { $0.count > 1 && $0[1] == 0xDB }
        #expect(parts.count > 1 && parts.dropLast().allSatisfy { $0[0] == 0x10 } && parts.last![0] == 0x00)
        #expect(parts.flatMap { Array($0[5...]) } == expected)
        #expect(try await piv.certificate(slot: .authentication) == certificate)
        let info = try await piv.info()
        #expect(info.serial == "554B00000000012A")
        #expect(info.slots.map(\.slot) == ["9A", "9C", "9D", "9E"])
        #expect(info.slots[0].key == "RSA-2048" && info.slots[0].certificateSubject == "CN=x")
        #expect(info.slots[1].certificateSubject == nil)
        // A signature for the certified slot needs no public key: the certificate gives it.
        _ = try await piv.sign(digest: [UInt8](repeating: 7, count: 32), slot: .authentication)
        try await piv.deleteCertificate(slot: .authentication, managementKey: Self.managementKey)
        #expect(card.received.last(where: { $0.count > 1 && $0[1] == 0xDB })!.suffix(7) == [0x5C, 0x03, 0x5F, 0xC1, 0x05, 0x53, 0x00])
        await #expect(throws: TokenError.notPersonalized(.noCertificate)) { try await piv.certificate(slot: .authentication) }
    }

    @Test("a CSR signed by the slot's key verifies; with another slot's public key it is refused")
    func certificateSigningRequest() async throws {
        let card = FakePIVCard()
        let piv = PIVToken(channel: card)
        let key = try await piv.generate(slot: .authentication, algorithm: .rsa2048, managementKey: Self.managementKey)
        let request = try await piv.certificateSigningRequest(slot: .authentication, subject: "CN=Zhang San, O=UKey Test Bank",
                                                              publicKey: key, pin: Self.pin)
        #expect(request.isSignatureValid && request.publicKey == key && request.subject == "CN=Zhang San, O=UKey Test Bank")
        let other = try await piv.generate(slot: .keyManagement, algorithm: .rsa2048, managementKey: Self.managementKey)
        await #expect(throws: TokenError.self) {
            try await piv.certificateSigningRequest(slot: .authentication, subject: "CN=x", publicKey: other, pin: Self.pin)
        }
    }

    @Test("a trace of every PIV operation holds no PIN, PUK, management key, witness or challenge")
    func traceRedaction() async throws {
        let card = FakePIVCard()
        let lines = TraceLines()
        let piv = PIVToken(channel: TracingCardChannel(card, sink: { lines.append($0) }))
        try await piv.verifyPIN(Self.pin)
        try await piv.changePIN(old: Self.pin, new: "24681357")
        try await piv.changePUK(old: Self.puk, new: "87654321")
        try await piv.unblockPIN(puk: "87654321", newPIN: "13579135")
        _ = try await piv.generate(slot: .cardAuthentication, algorithm: .rsa1024, managementKey: Self.managementKey)
        let text = lines.all.joined(separator: "\n")
        for secret in ["313233343536", "3234363831333537", "3132333435363738", "3837363534333231", "3133353739313335",
                       "0102030405060708", "1122334455667788", "6C5E94DCADD39F1D"] {
            #expect(!text.contains(secret), "\(secret) in the trace")
        }
        #expect(text.contains("> 0087039B GENERAL AUTHENTICATE ••••"))
        #expect(text.contains("> 00200080 VERIFY ••••"))
        #expect(text.contains("< •••• 9000"))
    }
}

