import COpenSSL
import ISO7816

/// OpenSSL on the host side of the tests: the public key read from the card, used to check
/// signatures and to encrypt for DECIPHER.
struct TestRSA {
    let modulus: [UInt8]
    let exponent: [UInt8]

    /// From the card's `7F49 {81 n, 82 e}`.
    init(publicKeyObject: [UInt8]) throws {
        let fields = try TLV(parsing: publicKeyObject).children()
        modulus = fields.first(0x81)!.value
        exponent = fields.first(0x82)!.value
    }

    private func withKey<T>(_ body: (OpaquePointer) -> T) -> T {
        func integer(_ bytes: [UInt8]) -> TLV { TLV(tag: 0x02, value: (bytes.first ?? 0) >= 0x80 ? [0] + bytes : bytes) }
        let der = TLV(tag: 0x30, children: [integer(modulus), integer(exponent)]).bytes
        let key = der.withUnsafeBufferPointer { buffer -> OpaquePointer in
            var pointer: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PublicKey(EVP_PKEY_RSA, nil, &pointer, buffer.count)!
        }
        defer { EVP_PKEY_free(key) }
        return body(key)
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `data`.
    func verify(_ signature: [UInt8], data: [UInt8]) -> Bool {
        withKey { key in
            let context = EVP_MD_CTX_new()
            defer { EVP_MD_CTX_free(context) }
            guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1 else { return false }
            return EVP_DigestVerify(context, signature, signature.count, data, data.count) == 1
        }
    }

    /// RSASSA-PKCS1-v1_5 over a precomputed digest (SHA-256 or SHA-1 by its length).
    func verify(_ signature: [UInt8], digest: [UInt8]) -> Bool {
        withKey { key in
            let context = EVP_PKEY_CTX_new(key, nil)
            defer { EVP_PKEY_CTX_free(context) }
            guard EVP_PKEY_verify_init(context) == 1,
                  EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1,
                  EVP_PKEY_CTX_set_signature_md(context, digest.count == 32 ? EVP_sha256() : EVP_sha1()) == 1
            else { return false }
            return EVP_PKEY_verify(context, signature, signature.count, digest, digest.count) == 1
        }
    }

    /// Whether `signature` verifies under this key for *some* message: the public operation
    /// gives a well-formed RSASSA-PKCS1-v1_5 block (`00 01 FF…FF 00 payload`, RFC 8017 §9.2).
    /// Returns the payload (the signed DigestInfo) then, `nil` otherwise.
    func recoverSignedPayload(_ signature: [UInt8]) -> [UInt8]? {
        guard signature.count == modulus.count else { return nil }
        return withKey { key -> [UInt8]? in
            let context = EVP_PKEY_CTX_new(key, nil)
            defer { EVP_PKEY_CTX_free(context) }
            guard EVP_PKEY_verify_recover_init(context) == 1,
                  EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1 else { return nil }
            var out = [UInt8](repeating: 0, count: modulus.count)
            var length = out.count
            guard EVP_PKEY_verify_recover(context, &out, &length, signature, signature.count) == 1 else { return nil }
            return Array(out.prefix(length))
        }
    }

    /// Every `k`-byte window of `data` (k the modulus length) that verifies under this key.
    func signatureWindows(in data: [UInt8]) -> [Int] {
        let k = modulus.count
        guard data.count >= k else { return [] }
        return (0...(data.count - k)).filter { recoverSignedPayload(Array(data[$0..<($0 + k)])) != nil }
    }

    /// RSAES-PKCS1-v1_5 encryption.
    func encrypt(_ plaintext: [UInt8]) -> [UInt8] {
        withKey { key in
            let context = EVP_PKEY_CTX_new(key, nil)
            defer { EVP_PKEY_CTX_free(context) }
            precondition(EVP_PKEY_encrypt_init(context) == 1)
            precondition(EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1)
            var length = 0
            precondition(EVP_PKEY_encrypt(context, nil, &length, plaintext, plaintext.count) == 1)
            var out = [UInt8](repeating: 0, count: length)
            precondition(EVP_PKEY_encrypt(context, &out, &length, plaintext, plaintext.count) == 1)
            return Array(out.prefix(length))
        }
    }

    /// `input^e mod n` with no padding (input as long as the modulus, below it): a cryptogram for
    /// any encoded message, well padded or not.
    func raw(_ input: [UInt8]) -> [UInt8] {
        withKey { key in
            let context = EVP_PKEY_CTX_new(key, nil)
            defer { EVP_PKEY_CTX_free(context) }
            precondition(EVP_PKEY_encrypt_init(context) == 1)
            precondition(EVP_PKEY_CTX_set_rsa_padding(context, RSA_NO_PADDING) == 1)
            var length = modulus.count
            var out = [UInt8](repeating: 0, count: length)
            precondition(EVP_PKEY_encrypt(context, &out, &length, input, input.count) == 1)
            return Array(out.prefix(length))
        }
    }

    /// The SHA-256 digest of `data`.
    static func sha256(_ data: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        SHA256(data, data.count, &digest)
        return digest
    }

    static let sha256DigestInfoPrefix = [UInt8](hex: "3031300D060960864801650304020105000420")!
}
