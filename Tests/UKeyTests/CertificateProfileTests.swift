import UKeyTestCA
import COpenSSL
import Foundation
import Testing
import UKey

/// The test CA's TLS profiles: a client certificate for a PIV key and a server certificate for
/// `openssl s_server`, checked through libcrypto's own purpose checks and the `openssl` command.
@Suite("Test CA: TLS client and server certificates")
struct CertificateProfileTests {
    private let ca = CryptoFixtures.bank
    private let key = CryptoFixtures.token

    /// `X509_get_key_usage` and `X509_get_extended_key_usage` (KU_* and XKU_* bits) of `der`.
    private func usages(_ der: [UInt8]) throws -> (key: UInt32, extended: UInt32) {
        let x509 = try #require(der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        })
        defer { X509_free(x509) }
        return (X509_get_key_usage(x509), X509_get_extended_key_usage(x509))
    }

    @Test("the transfer profile is the default for a public key: signing usages, an EKU that is no TLS purpose")
    func transferDefault() throws {
        let der = try ca.issue(for: key.publicKey, subject: "CN=Zhang San")
        let (keyUsage, extended) = try usages(der)
        #expect(keyUsage == UInt32(KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))
        #expect(extended == 0, "an extendedKeyUsage of only the UKey transfer purpose: no purpose libcrypto knows")
    }

    @Test("a client certificate: digitalSignature only, extendedKeyUsage clientAuth only")
    func client() throws {
        let der = try ca.issue(for: key.publicKey, subject: "CN=Zhang San, O=UKey Test Bank", profile: .tlsClient)
        let (keyUsage, extended) = try usages(der)
        #expect(keyUsage == UInt32(KU_DIGITAL_SIGNATURE))
        #expect(extended == UInt32(XKU_SSL_CLIENT))
        #expect(try Certificate(der: der).verify(issuedBy: ca.certificate))
    }

    @Test("a server certificate: serverAuth, keyEncipherment, the names in subjectAltName")
    func server() throws {
        let der = try ca.issue(for: key.publicKey, subject: "CN=localhost", profile: .tlsServer(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1", "::1"]))
        let (keyUsage, extended) = try usages(der)
        #expect(keyUsage == UInt32(KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT))
        #expect(extended == UInt32(XKU_SSL_SERVER))
        let x509 = try #require(der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        })
        defer { X509_free(x509) }
        #expect(X509_check_host(x509, "localhost", 9, 0, nil) == 1)
        #expect(X509_check_host(x509, "example.com", 11, 0, nil) == 0)
        #expect(X509_check_ip_asc(x509, "127.0.0.1", 0) == 1)
        #expect(X509_check_ip_asc(x509, "::1", 0) == 1)
        #expect(X509_check_ip_asc(x509, "10.0.0.1", 0) == 0)
    }

    @Test("a server certificate needs a name, and every name must be a DNS name or an IP address",
          arguments: [([String](), [String]()), (["local,host"], []), (["a:b"], []), ([""], []), ([], ["300.1.1.1"]), ([], ["localhost"])])
    func badServerNames(dns: [String], ip: [String]) {
        #expect(throws: PKIError.self) {
            try ca.issue(for: key.publicKey, subject: "CN=localhost", profile: .tlsServer(dnsNames: dns, ipAddresses: ip))
        }
    }

    @Test("a refused profile or subject says why, without an \"invalid encoding\" prefix")
    func refusalMessages() {
        do {
            _ = try ca.issue(for: key.publicKey, subject: "CN=localhost", profile: .tlsServer(dnsNames: ["a:b"], ipAddresses: []))
            Issue.record("a:b was accepted as a DNS name")
        } catch {
            #expect(String(describing: error) == "\"a:b\" is not a DNS name")
        }
        do {
            _ = try ca.issue(for: key.publicKey, subject: "CN", profile: .tlsClient)
            Issue.record("CN was accepted as a subject")
        } catch {
            #expect(String(describing: error) == "distinguished name part \"CN\" is not NAME=VALUE")
        }
        #expect(PKIError.file(path: "/x", errno: 2).description == "/x: no such file or directory")
    }

    @Test("openssl verify -purpose accepts each profile for its purpose only")
    func opensslPurpose() throws {
        let directory = try OpenSSLWorkspace()
        try directory.write("ca.pem", try ca.certificate.pem())
        try directory.write("client.pem", try Certificate(der: ca.issue(for: key.publicKey, subject: "CN=Zhang San", profile: .tlsClient)).pem())
        try directory.write("server.pem", try Certificate(der: ca.issue(for: key.publicKey, subject: "CN=localhost",
                                                                         profile: .tlsServer(dnsNames: ["localhost"], ipAddresses: []))).pem())
        for (file, purpose, ok) in [("client.pem", "sslclient", true), ("client.pem", "sslserver", false),
                                    ("server.pem", "sslserver", true), ("server.pem", "sslclient", false)] {
            let result = try directory.openssl(["verify", "-CAfile", "ca.pem", "-purpose", purpose, file])
            #expect((result.status == 0) == ok, "\(file) for \(purpose): \(result.output)")
        }
        let host = try directory.openssl(["verify", "-CAfile", "ca.pem", "-verify_hostname", "localhost", "server.pem"])
        #expect(host.status == 0, "\(host.output)")
    }

    @Test("a client certificate from a CSR made by openssl req")
    func fromOpenSSLRequest() throws {
        let directory = try OpenSSLWorkspace()
        let made = try directory.openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem",
                                          "-subj", "/CN=Test Client/O=UKey Test Bank", "-out", "request.pem"])
        #expect(made.status == 0, "\(made.output)")
        let request = try CertificateSigningRequest(pem: String(decoding: try directory.read("request.pem"), as: UTF8.self))
        let certificate = try ca.issue(for: request, profile: .tlsClient)
        #expect(certificate.subject == "CN=Test Client, O=UKey Test Bank")
        #expect(certificate.publicKey.bitCount == 2048)
        #expect(try usages(certificate.der).extended == UInt32(XKU_SSL_CLIENT))
    }
}
