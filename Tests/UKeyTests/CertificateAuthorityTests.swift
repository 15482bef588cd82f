import UKeyTestCA
import COpenSSL
import Foundation
import Testing
import UKey

/// The test CA: certificates for RSA-1024 token keys that libcrypto and the `openssl` command
/// accept against the issuing CA and refuse against another; PEM files on disk.
@Suite struct CertificateAuthorityTests {
    private let ca = CryptoFixtures.bank
    private let key = CryptoFixtures.token

    private func issue() throws -> Certificate {
        try Certificate(der: ca.issue(for: key.publicKey, subject: "CN=Zhang San, O=UKey Test Bank", days: 30))
    }

    /// `X509_get_key_usage` of a DER certificate (KU_* bits).
    private func keyUsage(_ der: [UInt8]) throws -> UInt32 {
        let x509 = try #require(der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        })
        defer { X509_free(x509) }
        return X509_get_key_usage(x509)
    }

    @Test("the CA certificate is a self-signed RSA-2048 CA for signing certificates")
    func caCertificate() throws {
        let certificate = ca.certificate
        #expect(certificate.subject == "CN=UKey Test CA, O=UKey Test Bank")
        #expect(certificate.issuer == certificate.subject)
        #expect(certificate.isCertificateAuthority)
        #expect(certificate.publicKey.bitCount == 2048)
        #expect(try keyUsage(certificate.der) == UInt32(KU_KEY_CERT_SIGN | KU_CRL_SIGN))
        #expect(certificate.verify(issuedBy: certificate))
        #expect(!certificate.verify(issuedBy: CryptoFixtures.otherBank.certificate))
    }

    @Test("a leaf for a fresh RSA-1024 key carries the key, the names and the signing key usages")
    func leaf() throws {
        let leaf = try issue()
        #expect(leaf.subject == "CN=Zhang San, O=UKey Test Bank")
        #expect(leaf.issuer == ca.certificate.subject)
        #expect(leaf.publicKey == key.publicKey)
        #expect(leaf.publicKey.bitCount == 1024)
        #expect(!leaf.isCertificateAuthority)
        #expect(try keyUsage(leaf.der) == UInt32(KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))
        #expect(leaf.der.first == 0x30)
    }

    @Test("the leaf verifies against its CA with X509_verify, and not against another CA")
    func x509Verify() throws {
        let leaf = try issue()
        #expect(leaf.verify(issuedBy: ca.certificate))
        #expect(!leaf.verify(issuedBy: CryptoFixtures.otherBank.certificate))
        // The same check straight through libcrypto, with the CA's public key.
        func verifies(with issuer: Certificate) throws -> Bool {
            let spki = try issuer.publicKey.derSubjectPublicKeyInfo()
            let issuerKey = try #require(spki.withUnsafeBufferPointer { buffer -> OpaquePointer? in
                var cursor = buffer.baseAddress
                return d2i_PUBKEY(nil, &cursor, buffer.count)
            })
            defer { EVP_PKEY_free(issuerKey) }
            let x509 = try #require(leaf.der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
                var cursor = buffer.baseAddress
                return d2i_X509(nil, &cursor, buffer.count)
            })
            defer { X509_free(x509) }
            return X509_verify(x509, issuerKey) == 1
        }
        #expect(try verifies(with: ca.certificate))
        #expect(try !verifies(with: CryptoFixtures.otherBank.certificate))
    }

    @Test("a certificate signed with the CA's key but naming another issuer is not issued by the CA")
    func issuerNameMustChain() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try ca.save(to: directory)
        let pem = try Array(Data(contentsOf: directory.appendingPathComponent(TestCertificateAuthority.keyFileName)))
        let caKey = try #require(pem.withUnsafeBytes { buffer -> OpaquePointer? in
            let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count))
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        })
        defer { EVP_PKEY_free(caKey) }
        let caX509 = try #require(ca.certificate.der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        })
        defer { X509_free(caX509) }

        /// A minimal v1 certificate for the token key, signed with the CA's key, naming `issuer`.
        func handMade(issuer: OpaquePointer) throws -> Certificate {
            let x509 = try #require(X509_new())
            defer { X509_free(x509) }
            let subject = try #require(X509_NAME_new())
            defer { X509_NAME_free(subject) }
            X509_NAME_add_entry_by_txt(subject, "CN", 0x1001, "Mallory", -1, -1, 0)
            #expect(ASN1_INTEGER_set(X509_get_serialNumber(x509), 7) == 1)
            #expect(X509_gmtime_adj(X509_getm_notBefore(x509), 0) != nil)
            #expect(X509_gmtime_adj(X509_getm_notAfter(x509), 86_400) != nil)
            #expect(X509_set_subject_name(x509, subject) == 1)
            #expect(X509_set_issuer_name(x509, issuer) == 1)
            #expect(X509_set_pubkey(x509, key.key.pointer) == 1)
            #expect(X509_sign(x509, caKey, EVP_sha256()) > 0)
            var der = [UInt8](repeating: 0, count: Int(i2d_X509(x509, nil)))
            der.withUnsafeMutableBufferPointer { buffer in
                var cursor = buffer.baseAddress
                _ = i2d_X509(x509, &cursor)
            }
            return try Certificate(der: der)
        }
        // With the CA's own name the hand-made certificate chains: the construction is sound.
        #expect(try handMade(issuer: try #require(X509_get_subject_name(caX509))).verify(issuedBy: ca.certificate))
        let otherName = try #require(X509_NAME_new())
        defer { X509_NAME_free(otherName) }
        X509_NAME_add_entry_by_txt(otherName, "CN", 0x1001, "Some Other CA", -1, -1, 0)
        #expect(try !handMade(issuer: otherName).verify(issuedBy: ca.certificate))
    }

    @Test("the openssl command accepts the leaf with its CA and refuses it with another")
    func opensslVerify() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let leafFile = directory.appendingPathComponent("leaf.pem")
        let caFile = directory.appendingPathComponent("ca.pem")
        let otherFile = directory.appendingPathComponent("other.pem")
        try issue().pem().write(to: leafFile, atomically: true, encoding: .utf8)
        try ca.certificate.pem().write(to: caFile, atomically: true, encoding: .utf8)
        try CryptoFixtures.otherBank.certificate.pem().write(to: otherFile, atomically: true, encoding: .utf8)

        let good = try openssl(["verify", "-CAfile", caFile.path, leafFile.path])
        #expect(good.status == 0, "\(good.output)")
        #expect(good.output == "\(leafFile.path): OK\n")
        let bad = try openssl(["verify", "-CAfile", otherFile.path, leafFile.path])
        #expect(bad.status != 0)
        #expect(!bad.output.contains(": OK"))
    }

    @Test("save writes the key 0600 and the certificate; load gives a CA that issues under the same certificate")
    func saveAndLoad() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try ca.save(to: directory)
        let keyPath = directory.appendingPathComponent(TestCertificateAuthority.keyFileName).path
        let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try String(contentsOfFile: keyPath, encoding: .utf8).hasPrefix("-----BEGIN PRIVATE KEY-----"))

        let loaded = try TestCertificateAuthority(directory: directory)
        #expect(loaded.certificate == ca.certificate)
        let leaf = try Certificate(der: loaded.issue(for: key.publicKey, subject: "CN=Li Si"))
        #expect(leaf.verify(issuedBy: ca.certificate))

        // A key that does not belong to the certificate is refused.
        try CryptoFixtures.otherBank.certificate.pem()
            .write(to: directory.appendingPathComponent(TestCertificateAuthority.certificateFileName), atomically: true, encoding: .utf8)
        #expect(throws: PKIError.self) { try TestCertificateAuthority(directory: directory) }
    }

    @Test("a missing CA directory is a file error")
    func missingDirectory() {
        let nowhere = URL(fileURLWithPath: "/nonexistent/ukey-ca-\(UInt32.random(in: 0...UInt32.max))")
        #expect(throws: PKIError.self) { try TestCertificateAuthority(directory: nowhere) }
    }

    @Test("PEM and DER round-trip; garbage, trailing bytes and bad subjects are refused")
    func parsing() throws {
        let leaf = try issue()
        #expect(try Certificate(pem: leaf.pem()) == leaf)
        #expect(throws: PKIError.self) { try Certificate(der: leaf.der + [0]) }
        #expect(throws: PKIError.self) { try Certificate(der: Array(leaf.der.dropLast())) }
        #expect(throws: PKIError.self) { try Certificate(der: [0x30, 0x00]) }
        #expect(throws: PKIError.self) { try Certificate(pem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n") }
        for subject in ["", "Zhang San", "CN=", "XYZZY=1"] {
            #expect(throws: PKIError.self, "subject \"\(subject)\"") {
                try ca.issue(for: key.publicKey, subject: subject)
            }
        }
    }

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ukey-ca-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        return url
    }

    private func openssl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try OpenSSLWorkspace.run(arguments)
    }
}
