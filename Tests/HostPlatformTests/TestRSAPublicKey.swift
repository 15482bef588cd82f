import COpenSSL
import ISO7816

/// The public side of an engine key, done by OpenSSL independently of the engine: the key is
/// rebuilt from (n, e) alone, as a bank would.
struct TestRSAPublicKey {
    let modulus: [UInt8]
    let exponent: [UInt8]

    /// Runs `body` with an `EVP_PKEY` made from the DER `RSAPublicKey { n, e }`.
    private func withKey<T>(_ body: (OpaquePointer) -> T) -> T {
        func integer(_ bytes: [UInt8]) -> TLV { TLV(tag: 0x02, value: (bytes.first ?? 0) >= 0x80 ? [0] + bytes : bytes) }
        let der = TLV(tag: 0x30, children: [integer(modulus), integer(exponent)]).bytes
        let key = der.withUnsafeBufferPointer { buffer -> OpaquePointer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PublicKey(EVP_PKEY_RSA, nil, &cursor, buffer.count)!
        }
        defer { EVP_PKEY_free(key) }
        return body(key)
    }

    /// RSASSA-PKCS1-v1_5 verification of a SHA-256 digest (`EVP_PKEY_verify`, signature md SHA-256).
    func verify(_ signature: [UInt8], sha256Digest digest: [UInt8]) -> Bool {
        withKey { key in
            let context = EVP_PKEY_CTX_new(key, nil)
            defer { EVP_PKEY_CTX_free(context) }
            guard EVP_PKEY_verify_init(context) == 1,
                  EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1,
                  EVP_PKEY_CTX_set_signature_md(context, EVP_sha256()) == 1 else { return false }
            let result = EVP_PKEY_verify(context, signature, signature.count, digest, digest.count) == 1
            ERR_clear_error()
            return result
        }
    }

    /// RSAES-PKCS1-v1_5 encryption (random padding).
    func encrypt(_ plaintext: [UInt8]) -> [UInt8] { publicOperation(plaintext, padding: RSA_PKCS1_PADDING) }

    /// `input^e mod n` with no padding; input as long as the modulus.
    func raw(_ input: [UInt8]) -> [UInt8] { publicOperation(input, padding: RSA_NO_PADDING) }

    private func publicOperation(_ input: [UInt8], padding: Int32) -> [UInt8] {
        withKey { key in
            let context = EVP_PKEY_CTX_new(key, nil)
            defer { EVP_PKEY_CTX_free(context) }
            precondition(EVP_PKEY_encrypt_init(context) == 1 && EVP_PKEY_CTX_set_rsa_padding(context, padding) == 1)
            var length = modulus.count
            var output = [UInt8](repeating: 0, count: length)
            precondition(EVP_PKEY_encrypt(context, &output, &length, input, input.count) == 1)
            return Array(output.prefix(length))
        }
    }
}

/// The DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2, note 1).
let sha256DigestInfoPrefix = [UInt8](hex: "3031300D060960864801650304020105000420")!
