@testable import UKey
import UKeyTestCA
import UKeyBank
import COpenSSL
import Foundation
import Testing

/// Issue 13, "The bank trusts only transfer certificates": the CA certifies a transfer key only
/// when it is the key recorded from the card, and the verifier trusts a certificate only when its
/// extendedKeyUsage is exactly the UKey transfer purpose.
@Suite("Transfer certificates: the CA's transfer profile and the bank's trust")
struct TransferCertificateTests {
    private let ca = CryptoFixtures.bank

    /// The leaf's keyUsage bits and its extendedKeyUsage purposes as dotted OIDs (`nil`: none).
    private func usages(_ der: [UInt8]) throws -> (key: UInt32, extended: [String]?) {
        let x509 = try #require(der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        })
        defer { X509_free(x509) }
        guard let raw = X509_get_ext_d2i(x509, NID_ext_key_usage, nil, nil) else { return (X509_get_key_usage(x509), nil) }
        let stack = OpaquePointer(raw)
        defer { EXTENDED_KEY_USAGE_free(stack) }
        let purposes = (0..<OPENSSL_sk_num(stack)).map { index -> String in
            var buffer = [CChar](repeating: 0, count: 128)
            let length = OBJ_obj2txt(&buffer, 128, OpaquePointer(OPENSSL_sk_value(stack, index)), 1)
            return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return (X509_get_key_usage(x509), purposes)
    }

    @Test("the transfer OID is UUID 0a39502a-4082-4489-821b-bb498e08a74f under 2.25 (ITU-T X.667)")
    func transferOID() throws {
        #expect(UKeyOID.transferConfirmation == "2.25.13589866819101286279216456001590437711")
        let object = try #require(OBJ_txt2obj(UKeyOID.transferConfirmation, 1))
        defer { ASN1_OBJECT_free(object) }
        var buffer = [CChar](repeating: 0, count: 128)
        let length = OBJ_obj2txt(&buffer, 128, object, 1)
        #expect(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self) == UKeyOID.transferConfirmation,
                "libcrypto encodes and decodes the 128-bit arc unchanged")
    }

    @Test("the transfer profile: digitalSignature + nonRepudiation, EKU exactly the transfer OID")
    func transferProfile() throws {
        let (keyUsage, extended) = try usages(try ca.issue(for: CryptoFixtures.token.publicKey, subject: "CN=Zhang San", profile: .transfer))
        #expect(keyUsage == UInt32(KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))
        #expect(extended == [UKeyOID.transferConfirmation])
    }

    @Test("the decryption profile: keyEncipherment only, no EKU")
    func decryptionProfile() throws {
        let (keyUsage, extended) = try usages(try ca.issue(for: CryptoFixtures.token.publicKey, subject: "CN=Zhang San", profile: .decryption))
        #expect(keyUsage == UInt32(KU_KEY_ENCIPHERMENT))
        #expect(extended == nil)
    }

    @Test("a transfer CSR is certified only for the recorded transfer key")
    func transferCSRNeedsRecordedKey() throws {
        let info = try CertificateSigningRequest.certificationRequestInfo(subject: "CN=Zhang San, serialNumber=554B00000000000A",
                                                                         publicKey: CryptoFixtures.token.publicKey)
        let request = try CertificateSigningRequest(certificationRequestInfo: info, signature: CryptoFixtures.token.sign(data: info))
        let certificate = try ca.issueTransferCertificate(for: request, recordedTransferKey: CryptoFixtures.token.publicKey)
        #expect(try usages(certificate.der).extended == [UKeyOID.transferConfirmation])
        #expect(certificate.publicKey == CryptoFixtures.token.publicKey)

        // The same valid CSR against another recorded key (say, the token's authentication key
        // signed it, or another token's did): refused, whatever its self-signature proves.
        #expect(throws: PKIError.notCertified("the request's public key is not the transfer key recorded from the card")) {
            try ca.issueTransferCertificate(for: request, recordedTransferKey: CryptoFixtures.otherToken.publicKey)
        }
    }

    @Test("the CSR path never makes a transfer or decryption certificate",
          arguments: [CertificateProfile.transfer, .decryption])
    func csrPathRefuses(_ profile: CertificateProfile) throws {
        let info = try CertificateSigningRequest.certificationRequestInfo(subject: "CN=Zhang San", publicKey: CryptoFixtures.token.publicKey)
        let request = try CertificateSigningRequest(certificationRequestInfo: info, signature: CryptoFixtures.token.sign(data: info))
        #expect { try ca.issue(for: request, profile: profile) } throws: { error in
            guard case PKIError.notCertified = error else { return false }
            return true
        }
    }

    /// The leaf's usages for each trust case: what the CA (or a careless one) might write.
    static let refusedUsages: [(String, [(Int32, String)])] = [
        ("clientAuth (the authentication key's certificate)", [(NID_key_usage, "critical,digitalSignature"), (NID_ext_key_usage, "clientAuth")]),
        ("no extendedKeyUsage (the old banking certificate)", [(NID_key_usage, "critical,digitalSignature,nonRepudiation")]),
        ("anyExtendedKeyUsage", [(NID_key_usage, "critical,digitalSignature,nonRepudiation"), (NID_ext_key_usage, "anyExtendedKeyUsage")]),
        ("transfer and clientAuth", [(NID_key_usage, "critical,digitalSignature,nonRepudiation"),
                                     (NID_ext_key_usage, UKeyOID.transferConfirmation + ",clientAuth")]),
        ("transfer and anyExtendedKeyUsage", [(NID_key_usage, "critical,digitalSignature,nonRepudiation"),
                                              (NID_ext_key_usage, "anyExtendedKeyUsage," + UKeyOID.transferConfirmation)]),
        ("the transfer OID but keyEncipherment only", [(NID_key_usage, "critical,keyEncipherment"),
                                                       (NID_ext_key_usage, UKeyOID.transferConfirmation)]),
    ]

    @Test("the verifier refuses every certificate but a transfer one, before the challenge is used",
          arguments: Engine.allCases, refusedUsages.indices)
    func trustRefuses(engine: Engine, _ index: Int) async throws {
        let (name, usages) = Self.refusedUsages[index]
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let signer = try SoftwareTransferSigner(usages: usages)
        let issued = try verifier.issueChallenge(for: BankFixtures.transfer)
        let verdict = try verifier.verify(try signer.sign(issued, counter: 1))
        guard case .rejected(.untrustedCertificate(let reason)) = verdict else {
            Issue.record("\(name): expected untrustedCertificate, got \(verdict)")
            return
        }
        #expect(!reason.isEmpty, "\(name)")
        // The challenge was not used: the same transfer under a transfer certificate goes through.
        #expect(try verifier.verify(try SoftwareTransferSigner().sign(issued, counter: 1)).isAccepted, "\(name)")
    }

    @Test("the refusal names what is wrong with the EKU", arguments: Engine.allCases)
    func trustReasons(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        func reason(_ usages: [(Int32, String)]) throws -> String? {
            let issued = try verifier.issueChallenge(for: BankFixtures.transfer)
            guard case .rejected(.untrustedCertificate(let reason)) = try verifier.check(try SoftwareTransferSigner(usages: usages).sign(issued, counter: 1))
            else { return nil }
            return reason
        }
        #expect(try reason(Self.refusedUsages[0].1)
                == "its extendedKeyUsage is {1.3.6.1.5.5.7.3.2}, not exactly the transfer purpose {\(UKeyOID.transferConfirmation)}")
        #expect(try reason(Self.refusedUsages[1].1)
                == "it has no extendedKeyUsage: it is not a transfer certificate (\(UKeyOID.transferConfirmation))")
        #expect(try reason(Self.refusedUsages[2].1)
                == "its extendedKeyUsage is {2.5.29.37.0}, not exactly the transfer purpose {\(UKeyOID.transferConfirmation)}")
    }

    @Test("a transfer certificate is accepted", arguments: Engine.allCases)
    func trustAccepts(engine: Engine) async throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        let issued = try verifier.issueChallenge(for: BankFixtures.transfer)
        #expect(try verifier.verify(try SoftwareTransferSigner().sign(issued, counter: 1)).isAccepted)
    }
}
