import UKeyBank
import Foundation
import Testing
import UKey

/// The two-keys rule of issue 8: whoever holds the PIV PIN gets raw RSA signatures from the PIV
/// slots (that is what TLS needs), so a PIV signature over a transfer's DTBS must never pass
/// `TransferVerifier` — neither under the token's banking certificate nor under a TLS client
/// certificate that the bank's own CA issued for the PIV key with the token's serial. The PIV
/// key here is the PIV applet of the very token whose banking applet made the DTBS.
@Suite("A PIV signature never passes TransferVerifier")
struct PIVTransferSignatureTests {
    /// A banking token's genuine DTBS for a fresh challenge, and the same token's PIV slot's
    /// signature over it (the firmware in memory, PIV factory secrets).
    static func pivSignedDTBS(slot: PIVSlot, bank: BankFixture,
                              verifier: TransferVerifier) async throws -> (genuine: SignedTransfer, token: BankTestToken, signature: [UInt8], key: RSAPublicKey) {
        let token = try await BankFixtures.token()
        let piv = PIVToken(channel: token.channel)
        let genuine = try await token.confirm(try verifier.issueChallenge(for: BankFixtures.transfer))
        let key = try await piv.generate(slot: slot, algorithm: .rsa2048, managementKey: PIVTokenTests.managementKey)
        let signature = try await piv.sign(digest: DigestAlgorithm.sha256.hash(genuine.dtbs), slot: slot, pin: PIVTokenTests.pin, publicKey: key)
        return (genuine, token, signature, key)
    }

    @Test("under the banking certificate the PIV signature is a bad signature", arguments: [PIVSlot.authentication, .signature])
    func underBankingCertificate(slot: PIVSlot) async throws {
        let bank = try BankFixture()
        let verifier = try bank.verifier()
        let (genuine, token, signature, key) = try await Self.pivSignedDTBS(slot: slot, bank: bank, verifier: verifier)
        #expect(key.verify(signature: signature, data: genuine.dtbs), "the PIV key really signed the DTBS")
        let forged = try SignedTransfer(dtbs: genuine.dtbs, signature: signature, certificate: token.certificate)
        #expect(try verifier.verify(forged) == .rejected(.badSignature))
        #expect(try verifier.verify(genuine).isAccepted, "the refused forgery did not use up the challenge")
    }

    @Test("under a TLS client certificate from the bank's CA naming the token's serial, the certificate is refused")
    func underClientCertificate() async throws {
        let bank = try BankFixture()
        let verifier = try bank.verifier()
        let (genuine, token, signature, key) = try await Self.pivSignedDTBS(slot: .authentication, bank: bank, verifier: verifier)
        let clientCertificate = try bank.ca.issue(for: key, subject: "CN=Test Holder, serialNumber=\(token.serialHex)", profile: .tlsClient)
        let forged = try SignedTransfer(dtbs: genuine.dtbs, signature: signature, certificate: clientCertificate)
        guard case .rejected(.untrustedCertificate(let reason)) = try verifier.verify(forged) else {
            Issue.record("a PIV signature under a TLS client certificate was not refused as untrusted")
            return
        }
        #expect(reason.contains("extendedKeyUsage"))
        #expect(try verifier.verify(genuine).isAccepted)
    }
}
