import Foundation
import HostPlatform
import ISO7816
import Testing
import UKey
import UKeyInProcess

/// `PIVToken` against the real firmware in memory (banking and PIV applets on one card, the PIV
/// factory secrets yubico-piv-tool assumes): the whole provisioning flow, the refusals, and the
/// two applets side by side.
@Suite("PIVToken over the in-process firmware")
struct PIVInProcessTests {
    static let serial: [UInt8] = [0x55, 0x4B, 0x00, 0x00, 0x00, 0x00, 0x08, 0x09]

    static func token() throws -> (PIVToken, Token, InProcessToken<MemoryNVM>) {
        let card = try InProcessToken.manufactured(serial: serial, pin: "123456", puk: "87654321")
        return (PIVToken(channel: card), Token(channel: card), card)
    }

    @Test("the CHUID serial is the banking serial; a factory card has 3 PIN tries, no certificates, no PUK status")
    func factoryInfo() async throws {
        let (piv, banking, _) = try Self.token()
        let info = try await piv.info()
        #expect(info.serial == "554B000000000809")
        #expect(info.serial == (try await banking.info()).serial)
        #expect(info.pin == PIVCredentialStatus(verified: false, triesLeft: 3))
        #expect(info.puk == nil, "VERIFY 81 without data is not a PUK status query on this card")
        #expect(info.slots.allSatisfy { $0.certificateSubject == nil && $0.key == nil })
    }

    @Test("generate 9A RSA-2048 → CSR → client certificate → PUT DATA → GET DATA → signature verified")
    func provisioning() async throws {
        let (piv, _, _) = try Self.token()
        let key = try await piv.generate(slot: .authentication, algorithm: .rsa2048, managementKey: PIVTokenTests.managementKey)
        #expect(key.bitCount == 2048)
        let request = try await piv.certificateSigningRequest(slot: .authentication, subject: "CN=Zhang San, O=UKey Test Bank",
                                                              publicKey: key, pin: PIVTokenTests.pin)
        #expect(request.isSignatureValid && request.publicKey == key)
        let certificate = try CryptoFixtures.bank.issue(for: request, profile: .tlsClient)
        try await piv.putCertificate(certificate, slot: .authentication, managementKey: PIVTokenTests.managementKey)
        #expect(try await piv.certificate(slot: .authentication) == certificate)
        let digest = DigestAlgorithm.sha256.hash(Array("TLS 1.3 CertificateVerify".utf8))
        let signature = try await piv.sign(digest: digest, slot: .authentication)
        #expect(certificate.publicKey.verify(signature: signature, digest: digest, algorithm: .sha256))
        let info = try await piv.info()
        #expect(info.slots[0].key == "RSA-2048" && info.slots[0].certificateSubject == "CN=Zhang San, O=UKey Test Bank")
        #expect(info.pin.verified)

        try await piv.deleteCertificate(slot: .authentication, managementKey: PIVTokenTests.managementKey)
        await #expect(throws: TokenError.notPersonalized(.noCertificate)) { try await piv.certificate(slot: .authentication) }
    }

    @Test("RSA-1024 in 9E signs without a PIN; 9C needs a VERIFY before every signature")
    func slotRules() async throws {
        let (piv, _, _) = try Self.token()
        let cardKey = try await piv.generate(slot: .cardAuthentication, algorithm: .rsa1024, managementKey: PIVTokenTests.managementKey)
        _ = try await piv.sign(digest: [UInt8](repeating: 3, count: 32), slot: .cardAuthentication, publicKey: cardKey)
        let signatureKey = try await piv.generate(slot: .signature, algorithm: .rsa2048, managementKey: PIVTokenTests.managementKey)
        await #expect(throws: TokenError.pinNotVerified) {
            try await piv.sign(digest: [UInt8](repeating: 3, count: 32), slot: .signature, publicKey: signatureKey)
        }
        _ = try await piv.sign(digest: [UInt8](repeating: 3, count: 32), slot: .signature, pin: PIVTokenTests.pin, publicKey: signatureKey)
        await #expect(throws: TokenError.pinNotVerified, "one VERIFY allows one 9C signature") {
            try await piv.sign(digest: [UInt8](repeating: 3, count: 32), slot: .signature, publicKey: signatureKey)
        }
        await #expect(throws: TokenError.notPersonalized(.noKey)) {
            try await piv.sign(digest: [UInt8](repeating: 3, count: 32), slot: .keyManagement, pin: PIVTokenTests.pin, publicKey: signatureKey)
        }
    }

    @Test("wrong PINs count down to blocked; the PUK unblocks, leaving the PIN unverified; PIN and PUK change")
    func pinAndPUK() async throws {
        let (piv, banking, _) = try Self.token()
        await #expect(throws: TokenError.wrongPIN(triesLeft: 2)) { try await piv.verifyPIN("000000") }
        #expect(try await banking.info().pinTriesLeft == 3, "the banking PIN has its own counter")
        await #expect(throws: TokenError.wrongPIN(triesLeft: 1)) { try await piv.verifyPIN("000000") }
        await #expect(throws: TokenError.blocked) { try await piv.verifyPIN("000000") }
        await #expect(throws: TokenError.blocked) { try await piv.verifyPIN(PIVTokenTests.pin) }
        #expect(try await piv.pinStatus().isBlocked)
        await #expect(throws: TokenError.wrongPUK(triesLeft: 2)) { try await piv.unblockPIN(puk: "87654321", newPIN: "654321") }
        try await piv.unblockPIN(puk: PIVTokenTests.puk, newPIN: "654321")
        #expect(try await piv.pinStatus() == PIVCredentialStatus(verified: false, triesLeft: 3))
        try await piv.changePIN(old: "654321", new: "24681357")
        try await piv.verifyPIN("24681357")
        #expect(try await piv.pinStatus().verified)
        try await piv.logOut()
        #expect(!(try await piv.pinStatus().verified))
        try await piv.changePUK(old: PIVTokenTests.puk, new: "11223344")
        try await piv.unblockPIN(puk: "11223344", newPIN: "123456")
    }

    @Test("a wrong management key is refused and GENERATE and PUT DATA do not happen")
    func wrongManagementKey() async throws {
        let (piv, _, _) = try Self.token()
        let wrong = try PIVManagementKey(hex: "0123456789ABCDEFFEDCBA98765432100011223344556677")
        await #expect(throws: TokenError.wrongManagementKey) {
            try await piv.generate(slot: .authentication, managementKey: wrong)
        }
        await #expect(throws: TokenError.wrongManagementKey) {
            try await piv.putCertificate(CryptoFixtures.bank.certificate, slot: .authentication, managementKey: wrong)
        }
        await #expect(throws: TokenError.notPersonalized(.noCertificate)) { try await piv.certificate(slot: .authentication) }
        try await piv.authenticate(managementKey: PIVTokenTests.managementKey)
    }

    @Test("PIV and banking operations interleave on one card without disturbing each other")
    func interleaved() async throws {
        let (piv, banking, _) = try Self.token()
        try await piv.verifyPIN(PIVTokenTests.pin)
        try await banking.changePIN(old: "123456", new: "24681357")
        _ = try await banking.generateKey(.authentication)
        #expect(try await piv.pinStatus().verified, "the PIV PIN stays verified across banking commands")
        let key = try await piv.generate(slot: .authentication, managementKey: PIVTokenTests.managementKey)
        _ = try await banking.sign(data: [1, 2, 3])
        let signature = try await piv.sign(digest: DigestAlgorithm.sha256.hash([4, 5, 6]), slot: .authentication, publicKey: key)
        #expect(key.verify(signature: signature, data: [4, 5, 6]))
        #expect(try await banking.publicKey(.authentication) != key, "the PIV key is not the banking key")
    }
}
