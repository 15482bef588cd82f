import CardOS
import COpenSSL

/// A private key parsed from an engine blob: the OpenSSL `EVP_PKEY` and the numbers the engine
/// checks inputs against.
///
/// `@unchecked Sendable`: the `EVP_PKEY` is never modified after parsing, OpenSSL allows one key
/// to be used by several threads at once (its RSA blinding is locked internally), and the key is
/// freed only in `deinit`, when no operation can hold it any more.
final class OpenSSLRSAKey: @unchecked Sendable {
    /// The DER `RSAPrivateKey` this key was parsed from (the cache's lookup key). Never logged.
    let blob: [UInt8]
    /// The `EVP_PKEY *`, owned.
    let pointer: OpaquePointer
    /// The modulus n, big-endian, without leading zeros: exactly ``size`` bytes.
    let modulus: [UInt8]
    /// The modulus length in bytes (k in PKCS #1).
    var size: Int { modulus.count }

    /// The sizes the engine generates and accepts.
    static let supportedBits: Set<Int> = [1024, 2048]

    /// Takes ownership of `pointer`; fails (and frees it) unless it is an RSA key of a supported size.
    init(taking pointer: OpaquePointer, blob: [UInt8]) throws(CryptoError) {
        guard EVP_PKEY_get_base_id(pointer) == EVP_PKEY_RSA,
              OpenSSLRSAKey.supportedBits.contains(Int(EVP_PKEY_get_bits(pointer))),
              let modulus = OpenSSLRSAKey.bigNumberParameter(pointer, "n"),
              modulus.count == Int(EVP_PKEY_get_size(pointer))
        else {
            EVP_PKEY_free(pointer)
            ERR_clear_error()
            throw .invalidKey
        }
        self.pointer = pointer
        self.blob = blob
        self.modulus = modulus
    }

    /// Parses a blob (DER `RSAPrivateKey`, as `i2d_PrivateKey` writes it); trailing bytes are refused.
    /// The corresponding C function is `d2i_PrivateKey`.
    convenience init(parsing blob: [UInt8]) throws(CryptoError) {
        let parsed = blob.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            guard let base = buffer.baseAddress, buffer.count > 0 else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            guard let key = d2i_PrivateKey(EVP_PKEY_RSA, nil, &cursor, buffer.count) else { return nil }
            guard cursor == base + buffer.count else {
                EVP_PKEY_free(key)
                return nil
            }
            return key
        }
        guard let parsed else {
            ERR_clear_error()
            throw .invalidKey
        }
        try self.init(taking: parsed, blob: blob)
    }

    deinit { EVP_PKEY_free(pointer) }

    /// A `BIGNUM` parameter of the key (`"n"`, `"e"`: `OSSL_PKEY_PARAM_RSA_N`/`_E`), big-endian
    /// without leading zeros. The corresponding C function is `EVP_PKEY_get_bn_param`.
    static func bigNumberParameter(_ key: OpaquePointer, _ name: String) -> [UInt8]? {
        var number: OpaquePointer? = nil
        guard EVP_PKEY_get_bn_param(key, name, &number) == 1, let number else { return nil }
        defer { BN_free(number) }
        var bytes = [UInt8](repeating: 0, count: (Int(BN_num_bits(number)) + 7) / 8)
        let written = BN_bn2bin(number, &bytes)
        return written == bytes.count ? bytes : nil
    }
}
