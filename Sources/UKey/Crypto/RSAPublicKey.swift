import COpenSSL
import ISO7816

/// An RSA public key (RFC 8017 §3.1: modulus n, public exponent e) as a value, with
/// RSASSA-PKCS1-v1_5 verification through libcrypto's EVP interface.
///
/// A token hands its key out as the ISO/IEC 7816-8 public key template that GENERATE and
/// READ PUBLIC KEY return:
///
///     7F49 { 81 modulus, 82 public exponent }
///
/// Integers are kept big-endian without leading zero bytes, so two encodings of one key compare
/// equal.
public struct RSAPublicKey: Hashable, Sendable {
    /// n, big-endian, no leading zero bytes.
    public let modulus: [UInt8]
    /// e, big-endian, no leading zero bytes.
    public let exponent: [UInt8]

    /// A key from its two integers (big-endian, unsigned; leading zeros are dropped). Throws when
    /// libcrypto refuses the key (zero or even modulus, exponent 1, …).
    public init(modulus: [UInt8], exponent: [UInt8]) throws(PKIError) {
        self.modulus = Array(modulus.drop { $0 == 0 })
        self.exponent = Array(exponent.drop { $0 == 0 })
        guard !self.modulus.isEmpty, !self.exponent.isEmpty else { throw .unsupportedKey("zero modulus or exponent") }
        guard self.modulus.last! & 1 == 1, self.exponent.last! & 1 == 1 else {
            throw .unsupportedKey("an RSA modulus and exponent are odd")
        }
        _ = try evpKey()
    }

    /// Parses the `7F49 {81 n, 82 e}` template (tags in any order, nothing else inside).
    public init(publicKeyTemplate bytes: [UInt8]) throws(PKIError) {
        let fields: [TLV]
        do {
            let object = try TLV(parsing: bytes)
            guard object.tag == 0x7F49 else { throw PKIError.invalidEncoding("public key template tag is not 7F49") }
            fields = try object.children()
        } catch let error as PKIError {
            throw error
        } catch {
            throw .invalidEncoding("public key template: \(error)")
        }
        guard fields.count == 2, let n = fields.first(0x81), let e = fields.first(0x82) else {
            throw .invalidEncoding("public key template must hold exactly 81 (modulus) and 82 (exponent)")
        }
        try self.init(modulus: n.value, exponent: e.value)
    }

    /// Parses a DER SubjectPublicKeyInfo holding an RSA key (`d2i_PUBKEY`).
    public init(derSubjectPublicKeyInfo der: [UInt8]) throws(PKIError) {
        let key = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            let key = d2i_PUBKEY(nil, &cursor, buffer.count)
            guard let key else { return nil }
            guard cursor == buffer.baseAddress.map({ $0 + buffer.count }) else {
                EVP_PKEY_free(key)
                return nil
            }
            return key
        }
        guard let key else {
            ERR_clear_error()
            throw .invalidEncoding("not a DER SubjectPublicKeyInfo")
        }
        try self.init(evpKey: EVPKey(taking: key))
    }

    /// Reads n and e out of a libcrypto key (`EVP_PKEY_get_bn_param` "n" and "e").
    package init(evpKey key: EVPKey) throws(PKIError) {
        guard EVP_PKEY_get_base_id(key.pointer) == EVP_PKEY_RSA else { throw .unsupportedKey("not an RSA key") }
        func integer(_ name: String) throws(PKIError) -> [UInt8] {
            var bn: OpaquePointer? = nil
            guard EVP_PKEY_get_bn_param(key.pointer, name, &bn) == 1, let bn else {
                throw .openSSL("EVP_PKEY_get_bn_param(\(name))")
            }
            defer { BN_free(bn) }
            var bytes = [UInt8](repeating: 0, count: Int((BN_num_bits(bn) + 7) / 8))
            _ = BN_bn2bin(bn, &bytes)
            return bytes
        }
        try self.init(modulus: integer("n"), exponent: integer("e"))
    }

    /// The `7F49 {81 n, 82 e}` template, as a token returns it.
    public var publicKeyTemplate: [UInt8] {
        TLV(tag: 0x7F49, children: [TLV(tag: 0x81, value: modulus), TLV(tag: 0x82, value: exponent)]).bytes
    }

    /// The PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` in DER
    /// (RFC 8017 §A.1.1).
    public var derRSAPublicKey: [UInt8] {
        func integer(_ magnitude: [UInt8]) -> TLV {
            TLV(tag: 0x02, value: magnitude.first! >= 0x80 ? [0] + magnitude : magnitude)
        }
        return TLV(tag: 0x30, children: [integer(modulus), integer(exponent)]).bytes
    }

    /// The size of the modulus in bits (1024 for a UKey token's key).
    public var bitCount: Int {
        (modulus.count - 1) * 8 + (8 - modulus[0].leadingZeroBitCount)
    }

    /// The DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) with algorithm rsaEncryption (`i2d_PUBKEY`).
    public func derSubjectPublicKeyInfo() throws(PKIError) -> [UInt8] {
        try evpKey().derSubjectPublicKeyInfo()
    }

    /// The key as PEM `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo, `PEM_write_bio_PUBKEY`).
    public func pem() throws(PKIError) -> String {
        let key = try evpKey()
        guard let pem = MemoryBIO.writing({ bio in PEM_write_bio_PUBKEY(bio, key.pointer) == 1 }) else {
            throw .openSSL("PEM_write_bio_PUBKEY")
        }
        return String(decoding: pem, as: UTF8.self)
    }

    /// Whether `signature` is a valid RSASSA-PKCS1-v1_5 signature over the precomputed `digest`
    /// (`EVP_PKEY_verify` with `RSA_PKCS1_PADDING` and the digest's `EVP_MD`, which checks the
    /// DigestInfo inside the signature). A digest of the wrong length is simply not valid.
    public func verify(signature: [UInt8], digest: [UInt8], algorithm: DigestAlgorithm) -> Bool {
        guard digest.count == algorithm.length, let key = try? evpKey() else { return false }
        guard let context = EVP_PKEY_CTX_new(key.pointer, nil) else { return false }
        defer {
            EVP_PKEY_CTX_free(context)
            ERR_clear_error()
        }
        guard EVP_PKEY_verify_init(context) == 1,
              EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1,
              EVP_PKEY_CTX_set_signature_md(context, algorithm.messageDigest) == 1
        else { return false }
        return EVP_PKEY_verify(context, signature, signature.count, digest, digest.count) == 1
    }

    /// Whether `signature` is a valid RSASSA-PKCS1-v1_5 signature with SHA-256 over `data`
    /// (`EVP_DigestVerify`): what INTERNAL AUTHENTICATE and CONFIRM TRANSFER produce.
    public func verify(signature: [UInt8], data: [UInt8]) -> Bool {
        guard let key = try? evpKey(), let context = EVP_MD_CTX_new() else { return false }
        defer {
            EVP_MD_CTX_free(context)
            ERR_clear_error()
        }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key.pointer) == 1 else { return false }
        return EVP_DigestVerify(context, signature, signature.count, data, data.count) == 1
    }

    /// A libcrypto key built from the PKCS#1 DER (`d2i_PublicKey(EVP_PKEY_RSA, …)`).
    package func evpKey() throws(PKIError) -> EVPKey {
        let der = derRSAPublicKey
        let key = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PublicKey(EVP_PKEY_RSA, nil, &cursor, buffer.count)
        }
        guard let key else { throw .openSSL("d2i_PublicKey") }
        return EVPKey(taking: key)
    }
}

extension RSAPublicKey {
    /// The public key a card returned (7F49 template); an unreadable one is the card's fault.
    init(cardTemplate bytes: [UInt8]) throws(TokenError) {
        do { self = try RSAPublicKey(publicKeyTemplate: bytes) }
        catch { throw .malformedResponse("public key: \(error)") }
    }
}
