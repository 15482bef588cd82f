import COpenSSL
import ISO7816

/// A PKCS#10 certification request (RFC 2986) whose signature a token makes: the private key
/// never leaves the card, so the request is assembled here around the card's signature.
///
///     CertificationRequest ::= SEQUENCE {
///         certificationRequestInfo  CertificationRequestInfo,  -- version 0, subject, SPKI, attributes
///         signatureAlgorithm        AlgorithmIdentifier,       -- sha256WithRSAEncryption, NULL
///         signature                 BIT STRING }
///
/// ``certificationRequestInfo(subject:publicKey:)`` gives the DER bytes to sign (libcrypto
/// encodes them: `i2d_re_X509_REQ_tbs`); ``init(certificationRequestInfo:signature:)`` wraps the
/// signature. Parsing (`d2i_X509_REQ`) reads the subject and key and checks the self-signature.
public struct CertificateSigningRequest: Hashable, Sendable {
    public let der: [UInt8]
    /// `CN=…, O=…, serialNumber=…` in the order of the request.
    public let subject: String
    public let publicKey: RSAPublicKey
    /// Whether the request's signature verifies under its own public key (`X509_REQ_verify`).
    public let isSignatureValid: Bool

    /// `sha256WithRSAEncryption` (1.2.840.113549.1.1.11) with NULL parameters.
    static let sha256WithRSAEncryption: [UInt8] = [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D,
                                                   0x01, 0x01, 0x0B, 0x05, 0x00]

    /// The DER `CertificationRequestInfo` for `subject` (`CN=…, O=…`) and `publicKey`, no attributes.
    public static func certificationRequestInfo(subject: String, publicKey: RSAPublicKey) throws(PKIError) -> [UInt8] {
        guard let request = X509_REQ_new() else { throw .openSSL("X509_REQ_new") }
        defer { X509_REQ_free(request) }
        let name = try DistinguishedName.make(subject)
        defer { X509_NAME_free(name) }
        let key = try publicKey.evpKey()
        guard X509_REQ_set_version(request, 0) == 1 else { throw .openSSL("X509_REQ_set_version") }
        guard X509_REQ_set_subject_name(request, name) == 1 else { throw .openSSL("X509_REQ_set_subject_name") }
        guard X509_REQ_set_pubkey(request, key.pointer) == 1 else { throw .openSSL("X509_REQ_set_pubkey") }
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_re_X509_REQ_tbs(request, &buffer)
        guard length > 0, let buffer else { throw .openSSL("i2d_re_X509_REQ_tbs") }
        defer { CRYPTO_free(buffer, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(length)))
    }

    /// The request made of `certificationRequestInfo` and the token's RSA PKCS#1 v1.5 SHA-256
    /// `signature` over it; throws if the result does not parse or its signature does not verify.
    public init(certificationRequestInfo info: [UInt8], signature: [UInt8]) throws(PKIError) {
        let bitString = TLV(tag: 0x03, value: [0x00] + signature).bytes
        let der = TLV(tag: 0x30, value: info + Self.sha256WithRSAEncryption + bitString).bytes
        try self.init(der: der)
        guard isSignatureValid else { throw .invalidInput("the token's signature does not verify over the request") }
    }

    /// Parses exactly one DER request (`d2i_X509_REQ`); trailing bytes are refused.
    public init(der: [UInt8]) throws(PKIError) {
        let request = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let request = d2i_X509_REQ(nil, &cursor, buffer.count) else { return nil }
            guard cursor == buffer.baseAddress.map({ $0 + buffer.count }) else {
                X509_REQ_free(request)
                return nil
            }
            return request
        }
        guard let request else {
            ERR_clear_error()
            throw .invalidEncoding("not one DER PKCS#10 request")
        }
        defer { X509_REQ_free(request) }
        guard let name = X509_REQ_get_subject_name(request) else { throw .openSSL("X509_REQ_get_subject_name") }
        guard let key = X509_REQ_get_pubkey(request) else { throw .openSSL("X509_REQ_get_pubkey") }
        let owned = EVPKey(taking: key)
        self.der = der
        subject = DistinguishedName.string(name)
        publicKey = try RSAPublicKey(derSubjectPublicKeyInfo: try owned.derSubjectPublicKeyInfo())
        isSignatureValid = X509_REQ_verify(request, owned.pointer) == 1
        ERR_clear_error()
    }

    /// Parses the first PEM `CERTIFICATE REQUEST` block.
    public init(pem: String) throws(PKIError) {
        let request = MemoryBIO.reading(Array(pem.utf8)) { bio in PEM_read_bio_X509_REQ(bio, nil, nil, nil) }
        guard let request else {
            ERR_clear_error()
            throw .invalidEncoding("no PEM certificate request")
        }
        defer { X509_REQ_free(request) }
        let length = i2d_X509_REQ(request, nil)
        guard length > 0 else { throw .openSSL("i2d_X509_REQ") }
        var der = [UInt8](repeating: 0, count: Int(length))
        _ = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_X509_REQ(request, &cursor)
        }
        try self.init(der: der)
    }

    /// The request as PEM `-----BEGIN CERTIFICATE REQUEST-----` (`PEM_write_bio_X509_REQ`).
    public func pem() throws(PKIError) -> String {
        let request = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509_REQ(nil, &cursor, buffer.count)
        }
        guard let request else { throw .openSSL("d2i_X509_REQ") }
        defer { X509_REQ_free(request) }
        guard let pem = MemoryBIO.writing({ bio in PEM_write_bio_X509_REQ(bio, request) == 1 }) else {
            throw .openSSL("PEM_write_bio_X509_REQ")
        }
        return String(decoding: pem, as: UTF8.self)
    }
}
