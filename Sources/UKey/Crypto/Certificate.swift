import COpenSSL

/// An X.509 certificate (RFC 5280) for an RSA key, parsed by libcrypto.
///
/// UKey certificates hold RSA keys — a token's 1024-bit key or a bank CA's key — so `init`
/// refuses any other key type. swift-certificates is not used: it does not parse RSA-1024 keys.
public struct Certificate: Hashable, Sendable {
    /// The DER encoding, exactly as given.
    public let der: [UInt8]
    /// The subject name, `CN=…, O=…`, attributes in certificate order.
    public let subject: String
    /// The issuer name, in the same form.
    public let issuer: String
    /// The certified key.
    public let publicKey: RSAPublicKey
    /// Whether basicConstraints says CA:TRUE (`X509_check_ca`).
    public let isCertificateAuthority: Bool

    /// Parses one DER certificate (`d2i_X509`; trailing bytes are refused).
    public init(der: [UInt8]) throws(PKIError) {
        try self.init(handle: X509Handle(der: der), der: der)
    }

    /// Parses the first `-----BEGIN CERTIFICATE-----` block of `pem`.
    public init(pem: String) throws(PKIError) {
        let handle = try X509Handle(pem: Array(pem.utf8))
        try self.init(handle: handle, der: handle.der())
    }

    package init(handle: X509Handle, der: [UInt8]) throws(PKIError) {
        self.der = der
        subject = X509_get_subject_name(handle.pointer).map(DistinguishedName.string) ?? ""
        issuer = X509_get_issuer_name(handle.pointer).map(DistinguishedName.string) ?? ""
        publicKey = try RSAPublicKey(evpKey: handle.publicKey())
        isCertificateAuthority = X509_check_ca(handle.pointer) != 0
    }

    /// The certificate as PEM (`PEM_write_bio_X509`).
    public func pem() throws(PKIError) -> String {
        let handle = try X509Handle(der: der)
        guard let pem = MemoryBIO.writing({ bio in PEM_write_bio_X509(bio, handle.pointer) == 1 }) else {
            throw .openSSL("PEM_write_bio_X509")
        }
        return String(decoding: pem, as: UTF8.self)
    }

    /// Whether `issuer` issued this certificate: the names, key identifiers and the issuer's
    /// keyUsage fit (`X509_check_issued`) and the signature verifies with the issuer's key
    /// (`X509_verify`). Validity dates and chains are the verifier's business.
    public func verify(issuedBy issuer: Certificate) -> Bool {
        guard let subjectHandle = try? X509Handle(der: der),
              let issuerHandle = try? X509Handle(der: issuer.der),
              let issuerKey = try? issuerHandle.publicKey()
        else { return false }
        defer { ERR_clear_error() }
        guard X509_check_issued(issuerHandle.pointer, subjectHandle.pointer) == X509_V_OK else { return false }
        return X509_verify(subjectHandle.pointer, issuerKey.pointer) == 1
    }
}
