import COpenSSL
import UKey

/// An RSA key pair generated in the test with EVP (`EVP_PKEY_keygen`), standing in for a token's
/// key: it signs like the card (PKCS#1 v1.5 over a DigestInfo) so UKey's verification has
/// something real to accept or reject.
final class TestRSAKey: @unchecked Sendable {
    let pointer: OpaquePointer
    let publicKey: RSAPublicKey

    init(bits: Int32 = 1024) throws {
        let context = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nil)
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer? = nil
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_rsa_keygen_bits(context, bits) == 1,
              EVP_PKEY_keygen(context, &key) == 1, let key
        else { throw PKIError.openSSL(function: "EVP_PKEY_keygen", code: 0, reason: "test key") }
        pointer = key
        // The public half through DER SubjectPublicKeyInfo, as another program would hand it over.
        let length = i2d_PUBKEY(key, nil)
        var der = [UInt8](repeating: 0, count: Int(length))
        der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            _ = i2d_PUBKEY(key, &cursor)
        }
        publicKey = try RSAPublicKey(derSubjectPublicKeyInfo: der)
    }

    deinit { EVP_PKEY_free(pointer) }

    /// RSASSA-PKCS1-v1_5 signature of an encoded DigestInfo (`EVP_PKEY_sign`, PKCS#1 padding, no
    /// digest set): what the banking applet's SIGN does.
    func signPKCS1(_ digestInfo: [UInt8]) -> [UInt8] {
        let context = EVP_PKEY_CTX_new(pointer, nil)
        defer { EVP_PKEY_CTX_free(context) }
        precondition(EVP_PKEY_sign_init(context) == 1)
        precondition(EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1)
        var length = 0
        precondition(EVP_PKEY_sign(context, nil, &length, digestInfo, digestInfo.count) == 1)
        var signature = [UInt8](repeating: 0, count: length)
        precondition(EVP_PKEY_sign(context, &signature, &length, digestInfo, digestInfo.count) == 1)
        return Array(signature.prefix(length))
    }

    /// PKCS#1 v1.5 with SHA-256 over `data`.
    func sign(data: [UInt8]) -> [UInt8] {
        signPKCS1(DigestAlgorithm.sha256.digestInfo(of: data))
    }
}
