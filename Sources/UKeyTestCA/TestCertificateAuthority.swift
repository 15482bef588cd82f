import UKey
import COpenSSL
import Foundation

/// A bank's test certificate authority: an RSA-2048 key and a self-signed CA certificate, issuing
/// X.509 v3 certificates for token keys. For tests, `ukey ca init|issue` and demos — the key is
/// stored unencrypted (mode 0600), as no production CA would.
///
/// CA certificate: basicConstraints critical CA:TRUE, keyUsage critical keyCertSign + cRLSign.
/// Leaf certificates: basicConstraints critical CA:FALSE and the usages of their
/// ``CertificateProfile`` (transfer: keyUsage critical digitalSignature + nonRepudiation and
/// extendedKeyUsage ``UKeyOID/transferConfirmation``; decryption: keyUsage keyEncipherment;
/// TLS client or server: extendedKeyUsage clientAuth / serverAuth). Both carry subject and
/// authority key identifiers and are signed with sha256WithRSAEncryption. OpenSSL 3 verifies RSA-1024 leaves (only TLS security levels refuse them).
public final class TestCertificateAuthority: Sendable {
    /// The self-signed CA certificate.
    public let certificate: Certificate
    private let key: EVPKey
    private let handle: X509Handle

    /// File names inside the directory of ``save(to:)`` and ``init(directory:)``.
    public static let keyFileName = "ca-key.pem"
    public static let certificateFileName = "ca-cert.pem"

    /// Creates a CA with a fresh RSA-2048 key and a self-signed certificate valid for `days`.
    public init(subject: String = "CN=UKey Test CA, O=UKey Test Bank", days: Int = 3650) throws(PKIError) {
        key = try EVPKey.generateRSA(bits: 2048)
        let name = try DistinguishedName.make(subject)
        defer { X509_NAME_free(name) }
        handle = try Self.sign(subject: name, publicKey: key, issuer: nil, issuerKey: key, days: days, extensions: [
            (NID_basic_constraints, "critical,CA:TRUE"),
            (NID_key_usage, "critical,keyCertSign,cRLSign"),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ])
        certificate = try Certificate(handle: handle, der: handle.der())
    }

    /// Loads a CA saved by ``save(to:)``; the key must belong to the certificate.
    public init(directory: URL) throws(PKIError) {
        var keyPEM = try Self.readFile(directory.appendingPathComponent(Self.keyFileName))
        defer { keyPEM.cleanse() }
        let certificatePEM = try Self.readFile(directory.appendingPathComponent(Self.certificateFileName))
        key = try EVPKey.privateKey(pem: keyPEM)
        handle = try X509Handle(pem: certificatePEM)
        guard X509_check_private_key(handle.pointer, key.pointer) == 1 else {
            ERR_clear_error()
            throw .invalidInput("\(Self.keyFileName) does not belong to \(Self.certificateFileName)")
        }
        certificate = try Certificate(handle: handle, der: handle.der())
    }

    /// Writes `ca-key.pem` (mode 0600, created with that mode) and `ca-cert.pem` (0644) into
    /// `directory`, which must exist; existing files are replaced.
    public func save(to directory: URL) throws(PKIError) {
        var keyPEM = try key.privateKeyPEM()
        defer { keyPEM.cleanse() }
        try Self.writeFile(keyPEM, to: directory.appendingPathComponent(Self.keyFileName), mode: 0o600)
        let certificatePEM = try certificate.pem()
        try Self.writeFile(Array(certificatePEM.utf8), to: directory.appendingPathComponent(Self.certificateFileName), mode: 0o644)
    }

    /// Issues a certificate for `publicKey` with `subject` (`CN=…, O=…`), valid from now for
    /// `days`, with the extensions of `profile`, and returns its DER encoding. The caller vouches
    /// for the key: for a token's transfer key (the default profile), the key the bank read from
    /// the card; for a decryption key, likewise (it never signs, so it has no CSR).
    public func issue(for publicKey: RSAPublicKey, subject: String, days: Int = 365,
                      profile: CertificateProfile = .transfer) throws(PKIError) -> [UInt8] {
        try issue(for: publicKey, subject: subject, days: days, usages: try profile.extensions())
    }

    /// A leaf certificate with `usages` (`X509V3_EXT_conf_nid` pairs) between basicConstraints
    /// CA:FALSE and the key identifiers: the profiles' work, and tests' odd certificates.
    package func issue(for publicKey: RSAPublicKey, subject: String, days: Int, usages: [(Int32, String)]) throws(PKIError) -> [UInt8] {
        let name = try DistinguishedName.make(subject)
        defer { X509_NAME_free(name) }
        let extensions = [(NID_basic_constraints, "critical,CA:FALSE")] + usages
            + [(NID_subject_key_identifier, "hash"), (NID_authority_key_identifier, "keyid:always")]
        let leaf = try Self.sign(subject: name, publicKey: publicKey.evpKey(), issuer: handle, issuerKey: key, days: days,
                                 extensions: extensions)
        return try leaf.der()
    }

    /// Builds and signs one v3 certificate (`X509_new`, `X509_set_pubkey`, `X509V3_EXT_conf_nid`,
    /// `X509_sign` with `EVP_sha256()`); `issuer` nil means self-signed.
    private static func sign(subject: OpaquePointer, publicKey: EVPKey, issuer: X509Handle?, issuerKey: EVPKey,
                             days: Int, extensions: [(Int32, String)]) throws(PKIError) -> X509Handle {
        guard days > 0 else { throw .invalidInput("validity must be at least one day") }
        guard let x509 = X509_new() else { throw .openSSL("X509_new") }
        let certificate = X509Handle(taking: x509)
        guard X509_set_version(x509, 2) == 1 else { throw .openSSL("X509_set_version") }
        try setRandomSerialNumber(x509)
        guard X509_gmtime_adj(X509_getm_notBefore(x509), 0) != nil,
              X509_gmtime_adj(X509_getm_notAfter(x509), days * 86_400) != nil
        else { throw .openSSL("X509_gmtime_adj") }
        guard X509_set_subject_name(x509, subject) == 1 else { throw .openSSL("X509_set_subject_name") }
        let issuerName = issuer.map { X509_get_subject_name($0.pointer) } ?? subject
        guard X509_set_issuer_name(x509, issuerName) == 1 else { throw .openSSL("X509_set_issuer_name") }
        guard X509_set_pubkey(x509, publicKey.pointer) == 1 else { throw .openSSL("X509_set_pubkey") }

        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer?.pointer ?? x509, x509, nil, nil, 0)
        for (nid, value) in extensions {
            guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else { throw .openSSL("X509V3_EXT_conf_nid(\(value))") }
            defer { X509_EXTENSION_free(ext) }
            guard X509_add_ext(x509, ext, -1) == 1 else { throw .openSSL("X509_add_ext") }
        }
        guard X509_sign(x509, issuerKey.pointer, EVP_sha256()) > 0 else { throw .openSSL("X509_sign") }
        return certificate
    }

    /// A random positive 159-bit serial number (RFC 5280 §4.1.2.2: at most 20 octets).
    private static func setRandomSerialNumber(_ x509: OpaquePointer) throws(PKIError) {
        guard let bn = BN_new() else { throw .openSSL("BN_new") }
        defer { BN_free(bn) }
        guard BN_rand(bn, 159, -1, 0) == 1 else { throw .openSSL("BN_rand") }   // top: any, bottom: any
        guard BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509)) != nil else { throw .openSSL("BN_to_ASN1_INTEGER") }
    }

    private static func readFile(_ url: URL) throws(PKIError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .file(path: url.path, errno: ENOENT)
        }
        return Array(data)
    }

    /// Writes through a descriptor opened with `mode`, so a key file is never readable by others,
    /// not even for an instant; `fchmod` also fixes the mode of a file that already existed.
    private static func writeFile(_ bytes: [UInt8], to url: URL, mode: mode_t) throws(PKIError) {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .file(path: url.path, errno: errno) }
        defer { close(fd) }
        guard fchmod(fd, mode) == 0 else { throw .file(path: url.path, errno: errno) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw .file(path: url.path, errno: errno) }
            offset += written
        }
    }
}
