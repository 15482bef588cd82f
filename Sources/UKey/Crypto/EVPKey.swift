import COpenSSL

/// Owns one `EVP_PKEY` (public or private) and frees it with `EVP_PKEY_free` when released.
///
/// libcrypto allows concurrent use of one key by operations that each create their own
/// `EVP_PKEY_CTX` / `EVP_MD_CTX`, which is all UKey does, so the owner is shareable.
package final class EVPKey: @unchecked Sendable {
    package let pointer: OpaquePointer

    /// Takes ownership of `pointer`.
    package init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { EVP_PKEY_free(pointer) }

    /// A fresh RSA key pair of `bits` bits, public exponent 65537
    /// (`EVP_PKEY_keygen` with `EVP_PKEY_CTX_set_rsa_keygen_bits`).
    package static func generateRSA(bits: Int32) throws(PKIError) -> EVPKey {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nil) else { throw .openSSL("EVP_PKEY_CTX_new_id") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else { throw .openSSL("EVP_PKEY_keygen_init") }
        guard EVP_PKEY_CTX_set_rsa_keygen_bits(context, bits) == 1 else { throw .openSSL("EVP_PKEY_CTX_set_rsa_keygen_bits") }
        var key: OpaquePointer? = nil
        guard EVP_PKEY_keygen(context, &key) == 1, let key else { throw .openSSL("EVP_PKEY_keygen") }
        return EVPKey(taking: key)
    }

    /// The private-key operation on `input` with `padding` (`EVP_PKEY_sign` with no digest set):
    /// `RSA_PKCS1_PADDING` over an encoded DigestInfo is RSASSA-PKCS1-v1_5, as a card's SIGN;
    /// `RSA_NO_PADDING` is the raw `input^d mod n` of a PIV card's GENERAL AUTHENTICATE.
    /// Tests and benchmarks stand in for a card's key with it; shipping code signs on the card.
    package func sign(_ input: [UInt8], padding: Int32) throws(PKIError) -> [UInt8] {
        guard let context = EVP_PKEY_CTX_new(pointer, nil) else { throw .openSSL("EVP_PKEY_CTX_new") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_sign_init(context) == 1, EVP_PKEY_CTX_set_rsa_padding(context, padding) == 1 else {
            throw .openSSL("EVP_PKEY_sign_init")
        }
        var length = 0
        guard EVP_PKEY_sign(context, nil, &length, input, input.count) == 1 else { throw .openSSL("EVP_PKEY_sign") }
        var output = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_sign(context, &output, &length, input, input.count) == 1 else { throw .openSSL("EVP_PKEY_sign") }
        return Array(output.prefix(length))
    }

    /// Reads a private key from PEM (`PEM_read_bio_PrivateKey`, unencrypted PKCS#8 or PKCS#1).
    package static func privateKey(pem: [UInt8]) throws(PKIError) -> EVPKey {
        let key = MemoryBIO.reading(pem) { bio in PEM_read_bio_PrivateKey(bio, nil, nil, nil) }
        guard let key else { throw .openSSL("PEM_read_bio_PrivateKey") }
        return EVPKey(taking: key)
    }

    /// The private key as unencrypted PKCS#8 PEM (`PEM_write_bio_PrivateKey`). A secret: write it
    /// only to a file of mode 0600.
    package func privateKeyPEM() throws(PKIError) -> [UInt8] {
        let pem = MemoryBIO.writing(secret: true) { bio in PEM_write_bio_PrivateKey(bio, pointer, nil, nil, 0, nil, nil) == 1 }
        guard let pem else { throw .openSSL("PEM_write_bio_PrivateKey") }
        return pem
    }

    /// The public key as DER SubjectPublicKeyInfo (`i2d_PUBKEY`).
    package func derSubjectPublicKeyInfo() throws(PKIError) -> [UInt8] {
        let length = i2d_PUBKEY(pointer, nil)
        guard length > 0 else { throw .openSSL("i2d_PUBKEY") }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_PUBKEY(pointer, &cursor)
        }
        guard written == length else { throw .openSSL("i2d_PUBKEY") }
        return der
    }
}
