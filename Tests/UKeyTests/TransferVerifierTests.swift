import UKeyBank
import Foundation
import ISO7816
import Testing
import UKey

/// The bank's checks of a signed transfer (issue 6, "Verifier rejects"): every transfer here is
/// genuinely confirmed by a token running in memory, and each refusal is its own test with its
/// specific ``TransferRejection``.
@Suite("TransferVerifier: acceptance and each rejection")
struct TransferVerifierTests {
    @Test("a transfer the bank intended, confirmed by a certified token, is accepted with its details", arguments: Engine.allCases)
    func accepts(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()
        let issued = try verifier.issueChallenge(for: BankFixtures.transfer)
        #expect(issued.challenge.count == 32)
        #expect(issued.expiresAt.timeIntervalSince(issued.issuedAt) == 300, "challenges live 5 minutes by default")

        let signed = try await token.confirm(issued)
        #expect(signed.counter == 1, "the token's first signature")
        let verdict = try verifier.verify(signed)
        guard case .accepted(let details) = verdict else {
            Issue.record("expected acceptance, got \(verdict)")
            return
        }
        #expect(details.transfer == BankFixtures.transfer)
        #expect(details.amount == DecimalAmount("100"))
        #expect(details.tokenSerial == BankFixtures.serialA)
        #expect(details.counter == 1)
        #expect(details.challenge == issued.challenge)
        #expect(details.certificateSubject == "CN=Test Holder, serialNumber=554B00000000000A")
        #expect(details.acceptedToday == DecimalAmount("100"))
        #expect(details.day.count == 10 && details.day.hasPrefix("20"))
    }

    @Test("a field changed between the bank's intention and the token is refused, naming the field",
          arguments: Engine.allCases, TransferField.allCases)
    func alteredField(engine: Engine, _ field: TransferField) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()
        let issued = try verifier.issueChallenge(for: BankFixtures.transfer)
        // Malware on the client puts another transfer to the token with the bank's challenge;
        // the holder confirms what the screen shows, and the bank sees the difference.
        let signed = try await token.confirm(BankFixtures.altered(field), challenge: issued.challenge)
        #expect(try verifier.verify(signed) == .rejected(.fieldsDiffer(field)))
    }

    @Test("an amount that is equal as a number but not as text is refused: fields compare as exact text", arguments: Engine.allCases)
    func amountTextDiffers(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()
        let issued = try verifier.issueChallenge(for: BankFixtures.transfer)   // "100.00"
        var same = BankFixtures.transfer
        same.amount = "100.0"
        let signed = try await token.confirm(same, challenge: issued.challenge)
        #expect(try verifier.verify(signed) == .rejected(.fieldsDiffer(.amount)))
    }

    @Test("token A's signature presented with token B's certificate: the certificate is not A's (serialMismatch)", arguments: Engine.allCases)
    func anotherTokensCertificate(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let tokenA = try await BankFixtures.token(BankFixtures.serialA)
        let tokenB = try await BankFixtures.token(BankFixtures.serialB)
        let issued = try verifier.issueChallenge(for: BankFixtures.transfer)
        let signed = try await tokenA.confirm(issued.transfer, challenge: issued.challenge, presenting: tokenB.certificate)
        #expect(try verifier.verify(signed) == .rejected(.serialMismatch(certificate: tokenB.serialHex, signed: tokenA.serialHex)))
        // The challenge survives: the genuine certificate still gets the transfer through.
        #expect(try verifier.verify(try await tokenA.confirm(issued)).isAccepted)
    }

    @Test("a certificate naming the right serial for another key (a CA mistake) fails on the signature", arguments: Engine.allCases)
    func certificateForAnotherKey(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()
        let impostor = try bank.ca.issue(for: CryptoFixtures.otherToken.publicKey,
                                         subject: "CN=Test Holder, serialNumber=\(token.serialHex)")
        let issued = try verifier.issueChallenge(for: BankFixtures.transfer)
        let signed = try await token.confirm(issued.transfer, challenge: issued.challenge, presenting: impostor)
        #expect(try verifier.verify(signed) == .rejected(.badSignature))
    }

    @Test("a certificate without a serialNumber in its subject is refused: the serial binding is required", arguments: Engine.allCases)
    func certificateWithoutSerial(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token(subject: "CN=Test Holder, O=UKey Test Bank")
        let signed = try await token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))
        #expect(try verifier.verify(signed) == .rejected(.serialMismatch(certificate: nil, signed: token.serialHex)))
    }

    @Test("a token certified by another CA is untrusted", arguments: Engine.allCases)
    func untrustedCA(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token(ca: CryptoFixtures.otherBank)
        let signed = try await token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))
        #expect(try verifier.verify(signed) == .rejected(.untrustedCertificate("unable to get local issuer certificate")))
    }

    @Test("the bank's own CA certificate cannot stand in for a token certificate", arguments: Engine.allCases)
    func caCertificateAsLeaf(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()
        let issued = try verifier.issueChallenge(for: BankFixtures.transfer)
        let signed = try await token.confirm(issued.transfer, challenge: issued.challenge, presenting: bank.ca.certificate.der)
        #expect(try verifier.verify(signed) == .rejected(.untrustedCertificate("a CA certificate cannot sign transfers")))
    }

    @Test("after the certificate's notAfter it is expired; before its notBefore it is not valid yet", arguments: Engine.allCases)
    func certificateDates(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()   // valid 365 days from now
        let signed = try await token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))
        bank.clock.advance(seconds: 366 * 86_400)
        #expect(try verifier.verify(signed) == .rejected(.certificateExpired))
        bank.clock.advance(seconds: -367 * 86_400)
        #expect(try verifier.verify(signed) == .rejected(.certificateNotYetValid))
        bank.clock.advance(seconds: 86_400)
        #expect(try verifier.verify(signed).isAccepted, "back at issue time, the same transfer passes")
    }

    @Test("a changed signature or a changed DTBS does not verify: badSignature, and the challenge is not burnt", arguments: Engine.allCases)
    func tampered(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()
        let issued = try verifier.issueChallenge(for: BankFixtures.transfer)
        let signed = try await token.confirm(issued)

        var signature = signed.signature
        signature[signature.count / 2] ^= 0x01
        let badSignature = try SignedTransfer(dtbs: signed.dtbs, signature: signature, certificate: signed.certificate)
        #expect(try verifier.verify(badSignature) == .rejected(.badSignature))

        // The reference text in the DTBS, one letter changed; the DTBS still parses.
        let reference = Array("Invoice 42".utf8)
        var dtbs = signed.dtbs
        let start = try #require((0...(dtbs.count - reference.count)).first { dtbs[$0..<$0 + reference.count].elementsEqual(reference) })
        dtbs[start] = UInt8(ascii: "X")
        let badDTBS = try SignedTransfer(dtbs: dtbs, signature: signed.signature, certificate: signed.certificate)
        #expect(try verifier.verify(badDTBS) == .rejected(.badSignature))

        #expect(try verifier.verify(Array(repeating: 0, count: 128), signed) == .rejected(.badSignature))
        #expect(try verifier.verify([], signed) == .rejected(.badSignature))
        #expect(try verifier.verify(signed).isAccepted, "forgeries did not use up the customer's challenge")
    }

    @Test("a challenge the bank never issued is unknown", arguments: Engine.allCases)
    func unknownChallenge(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()
        let signed = try await token.confirm(BankFixtures.transfer, challenge: Array(repeating: 0x5A, count: 32))
        #expect(try verifier.verify(signed) == .rejected(.unknownChallenge))
    }

    @Test("a replayed signed transfer is refused: the challenge was used", arguments: Engine.allCases)
    func reusedChallenge(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()
        let signed = try await token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))
        #expect(try verifier.verify(signed).isAccepted)
        #expect(try verifier.verify(signed) == .rejected(.challengeReused))
        // A fresh signature over the same challenge (a new counter) is refused just the same.
        let again = try await token.confirm(signed.transfer, challenge: signed.challenge)
        #expect(again.counter == 2)
        #expect(try verifier.verify(again) == .rejected(.challengeReused))
    }

    @Test("a challenge is good for its lifetime and expired from expiresAt on", arguments: Engine.allCases)
    func expiredChallenge(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()
        let first = try verifier.issueChallenge(for: BankFixtures.transfer)
        let second = try verifier.issueChallenge(for: BankFixtures.transfer)
        let late = try await token.confirm(first)
        let inTime = try await token.confirm(second)
        bank.clock.advance(seconds: 299)
        #expect(try verifier.verify(inTime).isAccepted, "299 s after issue: still valid")
        bank.clock.advance(seconds: 1)
        #expect(try verifier.verify(late) == .rejected(.challengeExpired), "300 s after issue: expired")
    }

    @Test("the challenge lifetime comes from the policy", arguments: Engine.allCases)
    func configuredLifetime(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine, policy: BankPolicy(challengeLifetimeSeconds: 30))
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()
        let issued = try verifier.issueChallenge(for: BankFixtures.transfer)
        #expect(issued.expiresAt.timeIntervalSince(issued.issuedAt) == 30)
        bank.clock.advance(seconds: 31)
        #expect(try verifier.verify(try await token.confirm(issued)) == .rejected(.challengeExpired))
    }

    @Test("a lower counter is refused: two signatures verified out of order", arguments: Engine.allCases)
    func lowerCounter(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let token = try await BankFixtures.token()
        let earlier = try await token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))
        let later = try await token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))
        #expect((earlier.counter, later.counter) == (1, 2))
        #expect(try verifier.verify(later).isAccepted)
        #expect(try verifier.verify(earlier) == .rejected(.counterNotIncreasing(last: 2, got: 1)))
    }

    @Test("a repeated counter is refused: a second token with the same serial (a clone) starts again at 1", arguments: Engine.allCases)
    func repeatedCounter(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let original = try await BankFixtures.token(BankFixtures.serialA)
        let clone = try await BankFixtures.token(BankFixtures.serialA)
        let first = try await original.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))
        let second = try await clone.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))
        #expect((first.counter, second.counter) == (1, 1))
        #expect(try verifier.verify(first).isAccepted)
        #expect(try verifier.verify(second) == .rejected(.counterNotIncreasing(last: 1, got: 1)))
    }

    @Test("a challenge bound to one token is refused when another token signs it", arguments: Engine.allCases)
    func wrongToken(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let tokenA = try await BankFixtures.token(BankFixtures.serialA)
        let issued = try verifier.issueChallenge(for: BankFixtures.transfer, tokenSerial: BankFixtures.serialB)
        #expect(try verifier.verify(try await tokenA.confirm(issued))
                == .rejected(.wrongToken(expected: "554B00000000000B", signed: tokenA.serialHex)))
    }
}

extension TransferVerifier {
    /// `signed` with its signature replaced.
    fileprivate func verify(_ signature: [UInt8], _ signed: SignedTransfer) throws -> TransferVerdict {
        try verify(SignedTransfer(dtbs: signed.dtbs, signature: signature, certificate: signed.certificate))
    }
}
