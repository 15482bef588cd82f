import UKeyBank
import Foundation
import HostPlatform
import ISO7816
import Testing
import UKey
import UKeyInProcess

/// Issue 13's attacks, end to end through the real firmware in memory and the bank's verifier,
/// as malware on the holder's PC would run them with the PIN: every one must be refused, and the
/// genuine transfer that follows must still be accepted (nothing burnt, no counter poisoned).
@Suite("Forged transfers: malware with the PIN cannot move money")
struct ForgedTransferTests {
    static let mallory = Transfer(payeeAccount: "6222020200999999", payeeName: "Mallory", amount: "49999.99", currency: "CNY")

    /// The DTBS a host would build for `issued`: the fields, the challenge, the token's serial
    /// and any counter it likes.
    static func hostBuiltDTBS(_ issued: IssuedChallenge, serial: [UInt8], counter: UInt32) -> [UInt8] {
        let counterBytes = (0..<4).map { UInt8(truncatingIfNeeded: counter >> (24 - 8 * $0)) }
        return TLV(tag: 0x70, children: issued.transfer.fields + [TLV(tag: 0x85, value: issued.challenge), TLV(tag: 0x86, value: serial),
                                                                  TLV(tag: 0x87, value: counterBytes)]).bytes
    }

    /// The verdict on `signed` as the bank receives it: JSON.
    static func verdict(_ verifier: TransferVerifier, _ signed: SignedTransfer) throws -> TransferVerdict {
        try verifier.verify(json: Array(try JSONEncoder().encode(signed)))
    }

    /// After an attack: a genuine transfer confirmed on the token is accepted with the token's own
    /// next counter (the attacker's counter was never recorded).
    static func genuineStillAccepted(_ token: Token, _ verifier: TransferVerifier) async throws {
        let issued = try verifier.issueChallenge(for: BankFixtures.transfer)
        let signed = try await token.confirmTransfer(issued.transfer, challenge: issued.challenge)
        #expect(signed.counter == 1, "the first transfer the card ever signed")
        #expect(try verdict(verifier, signed).isAccepted, "the genuine transfer is accepted after the attack")
    }

    @Test("SIGN of a host-built DTBS (counter FFFFFFFF) under the transfer certificate: badSignature, not accepted", arguments: Engine.allCases)
    func forgedWithSign(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let (token, _, transferCertificate) = try await TokenTests.personalizedToken(ca: bank.ca)
        let issued = try verifier.issueChallenge(for: Self.mallory)
        let dtbs = Self.hostBuiltDTBS(issued, serial: TokenTests.serial, counter: UInt32.max)
        let signature = try await token.sign(data: dtbs)
        let forged = try SignedTransfer(dtbs: dtbs, signature: signature, certificate: transferCertificate.der)
        #expect(try Self.verdict(verifier, forged).rejection == .badSignature, "SIGN never uses the transfer key")
        #expect(try await token.info().transferCounter == 0, "SIGN does not count as a transfer")
        try await Self.genuineStillAccepted(token, verifier)
    }

    @Test("SIGN of a host-built DTBS under the authentication key's own certificate: untrustedCertificate", arguments: Engine.allCases)
    func forgedUnderAuthenticationCertificate(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let (token, _, _) = try await TokenTests.personalizedToken(ca: bank.ca)
        let request = try await token.certificateSigningRequest(for: .authentication, subject: "CN=Zhang San")
        let authentication = try bank.ca.issue(for: request, profile: .tlsClient)
        let issued = try verifier.issueChallenge(for: Self.mallory)
        let dtbs = Self.hostBuiltDTBS(issued, serial: TokenTests.serial, counter: 1)
        let forged = try SignedTransfer(dtbs: dtbs, signature: try await token.sign(data: dtbs), certificate: authentication.der)
        let rejection = try #require(try Self.verdict(verifier, forged).rejection)
        guard case .untrustedCertificate = rejection else {
            Issue.record("an authentication certificate never vouches for a transfer: \(rejection)")
            return
        }
        try await Self.genuineStillAccepted(token, verifier)
    }

    @Test("INTERNAL AUTHENTICATE of a short host-built DTBS (16-byte challenges): badSignature", arguments: Engine.allCases)
    func forgedWithInternalAuthenticate(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine, policy: BankPolicy(challengeLength: 16))
        let verifier = try bank.verifier()
        let (token, _, transferCertificate) = try await TokenTests.personalizedToken(ca: bank.ca)
        let short = Transfer(payeeAccount: "M1", payeeName: "M", amount: "9", currency: "CNY")
        let issued = try verifier.issueChallenge(for: short)
        let dtbs = Self.hostBuiltDTBS(issued, serial: TokenTests.serial, counter: 7)
        #expect((8...64).contains(dtbs.count), "the DTBS fits INTERNAL AUTHENTICATE's challenge: \(dtbs.count) bytes")
        let signature = try await token.internalAuthenticate(challenge: dtbs)
        let forged = try SignedTransfer(dtbs: dtbs, signature: signature, certificate: transferCertificate.der)
        #expect(try Self.verdict(verifier, forged).rejection == .badSignature, "INTERNAL AUTHENTICATE never uses the transfer key")
        try await Self.genuineStillAccepted(token, verifier)
    }

    @Test("DECIPHER cannot stand in for a signature: it uses its own key and answers only Ne bytes", arguments: Engine.allCases)
    func decipherIsNoSigningOracle(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let (token, _, transferCertificate) = try await TokenTests.personalizedToken(ca: bank.ca)
        _ = try await token.generateKey(.decryption)
        let issued = try verifier.issueChallenge(for: Self.mallory)
        let dtbs = Self.hostBuiltDTBS(issued, serial: TokenTests.serial, counter: 1)
        // The most a raw-RSA oracle could give is 117 bytes; a 1024-bit signature needs 128.
        let answer = try await token.decipher(DigestAlgorithm.sha256.digestInfo(of: dtbs) + [UInt8](repeating: 0x01, count: 128 - 51),
                                              plaintextLength: 117)
        #expect(answer.count == 117)
        let forged = try SignedTransfer(dtbs: dtbs, signature: answer + [UInt8](repeating: 0, count: 11),
                                        certificate: transferCertificate.der)
        #expect(try Self.verdict(verifier, forged).rejection == .badSignature)
        try await Self.genuineStillAccepted(token, verifier)
    }

    @Test("a restored copy of the token: its old counters are refused, then a fresh challenge suspends the token", arguments: Engine.allCases)
    func restoredToken(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let (token, card, _) = try await TokenTests.personalizedToken(ca: bank.ca)
        let snapshot = card.platform.memory.committedRecords
        for _ in 1...3 {
            let issued = try verifier.issueChallenge(for: BankFixtures.transfer)
            #expect(try Self.verdict(verifier, try await token.confirmTransfer(issued.transfer, challenge: issued.challenge)).isAccepted)
        }
        // The attacker restores the image taken before those three transfers.
        let restored = Token(channel: InProcessToken(memory: MemoryNVM(records: snapshot)))
        try await restored.verifyPIN(TokenTests.pin)
        let issued = try verifier.issueChallenge(for: BankFixtures.transfer)
        let signed = try await restored.confirmTransfer(issued.transfer, challenge: issued.challenge)
        #expect(signed.counter == 1, "the restored card counts from its old state")
        #expect(try Self.verdict(verifier, signed).rejection == .counterRegressed(last: 3, got: 1),
                "a counter at or below the last one under a challenge issued after it: a clone")
        #expect(try verifier.isSuspended(tokenSerial: TokenTests.serial))
        // The genuine token is refused too until the bank looks into it.
        let next = try verifier.issueChallenge(for: BankFixtures.transfer)
        #expect(try Self.verdict(verifier, try await token.confirmTransfer(next.transfer, challenge: next.challenge)).rejection
                == .tokenSuspended(serial: TokenTests.serial.hexString))
        #expect(try verifier.unsuspend(tokenSerial: TokenTests.serial))
        let after = try verifier.issueChallenge(for: BankFixtures.transfer)
        #expect(try Self.verdict(verifier, try await token.confirmTransfer(after.transfer, challenge: after.challenge)).isAccepted)
    }
}
