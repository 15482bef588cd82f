import CardOS
import COpenSSL
import Synchronization

/// The token's crypto coprocessor on the host: RSA, SHA-256 and random numbers from OpenSSL 3
/// (libcrypto's EVP API).
///
/// A key blob is the private key's DER `RSAPrivateKey` (`i2d_PrivateKey`); it exists only inside
/// the token's NVM and is never logged. Parsed keys are kept in a small cache keyed by the blob
/// bytes, so a repeated signature costs what a plain `EVP_PKEY_sign` loop costs.
///
/// One engine may be shared by many tokens on several threads: the cache is the only mutable
/// state and is guarded by a `Mutex`; OpenSSL's error queue is per thread.
public final class OpenSSLCryptoEngine: CryptoEngine, Sendable {
    /// The public exponent of every generated key (F4).
    public static let publicExponent: UInt = 65_537

    private let cache: Mutex<OpenSSLKeyCache>

    /// An engine that keeps the last `cacheCapacity` parsed keys (0: parse the blob every time).
    public init(cacheCapacity: Int = 8) {
        cache = Mutex(OpenSSLKeyCache(capacity: cacheCapacity))
    }

    /// How many parsed keys the cache holds now (for tests and benchmarks).
    public var cachedKeyCount: Int { cache.withLock { $0.count } }

    // MARK: CryptoEngine

    /// Generates an RSA key of 1024 or 2048 bits with e = 65537. The corresponding C functions
    /// are `EVP_PKEY_keygen` (what the `EVP_RSA_gen` macro expands to) and `i2d_PrivateKey`.
    public func generateRSAKey(bits: Int) throws(CryptoError) -> GeneratedKey {
        guard OpenSSLRSAKey.supportedBits.contains(bits) else { throw .keyGenerationFailed }
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nil) else { throw failure(.keyGenerationFailed) }
        defer { EVP_PKEY_CTX_free(context) }
        guard let exponent = BN_new() else { throw failure(.keyGenerationFailed) }
        defer { BN_free(exponent) }
        var generated: OpaquePointer? = nil
        guard BN_set_word(exponent, OpenSSLCryptoEngine.publicExponent) == 1,
              EVP_PKEY_keygen_init(context) == 1,
              EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) == 1,
              EVP_PKEY_CTX_set1_rsa_keygen_pubexp(context, exponent) == 1,
              EVP_PKEY_keygen(context, &generated) == 1, let generated
        else { throw failure(.keyGenerationFailed) }

        guard let blob = OpenSSLCryptoEngine.privateKeyDER(generated),
              let publicExponent = OpenSSLRSAKey.bigNumberParameter(generated, "e")
        else {
            EVP_PKEY_free(generated)
            throw failure(.keyGenerationFailed)
        }
        let key: OpenSSLRSAKey
        do {
            key = try OpenSSLRSAKey(taking: generated, blob: blob)
        } catch {
            throw failure(.keyGenerationFailed)
        }
        cache.withLock { $0.insert(key) }     // the first signature needs no parse
        return GeneratedKey(blob: blob, modulus: key.modulus, exponent: publicExponent)
    }

    /// RSASSA-PKCS1-v1_5 over an encoded DigestInfo: `EVP_PKEY_sign` with `RSA_PKCS1_PADDING`
    /// and no signature digest, so the DigestInfo gets type-1 padding as it is.
    public func signPKCS1(key blob: [UInt8], digestInfo: [UInt8]) throws(CryptoError) -> [UInt8] {
        let key = try parsedKey(blob)
        guard digestInfo.count <= key.size - 11 else { throw .invalidInput }
        return try privateOperation(key, input: digestInfo, padding: RSA_PKCS1_PADDING, sign: true,
                                    onFailure: .operationFailed)
    }

    /// RSAES-PKCS1-v1_5 decryption with implicit rejection, for a plaintext of exactly
    /// `plaintextLength` bytes (the HAL contract). The corresponding C function is the COpenSSL
    /// shim's `ukey_rsa_pkcs1_decrypt_implicit_rejection` (a raw `EVP_PKEY_decrypt` with
    /// `RSA_NO_PADDING`, then constant-time unpadding and the synthetic message), because the
    /// OpenSSL 3.0 we link has no implicit rejection of its own.
    public func decryptPKCS1(key blob: [UInt8], ciphertext: [UInt8], plaintextLength: Int) throws(CryptoError) -> [UInt8] {
        let key = try parsedKey(blob)
        guard ciphertext.count == key.size, (1...(key.size - 11)).contains(plaintextLength) else { throw .invalidInput }
        var output = [UInt8](repeating: 0, count: plaintextLength)
        let result = ukey_rsa_pkcs1_decrypt_implicit_rejection(key.pointer, ciphertext, ciphertext.count,
                                                                &output, output.count)
        guard result == UKEY_IR_OK else {
            OpenSSLCryptoEngine.wipe(&output)
            throw failure(result == UKEY_IR_INVALID_INPUT ? .invalidInput : .operationFailed)
        }
        return output
    }

    /// `input^d mod n`: `EVP_PKEY_decrypt` with `RSA_NO_PADDING`; the input must be exactly as
    /// long as the modulus and below it. The result has the modulus length.
    public func rawRSA(key blob: [UInt8], input: [UInt8]) throws(CryptoError) -> [UInt8] {
        let key = try parsedKey(blob)
        guard OpenSSLCryptoEngine.isBelowModulus(input, key) else { throw .invalidInput }
        return try privateOperation(key, input: input, padding: RSA_NO_PADDING, sign: false,
                                    onFailure: .operationFailed)
    }

    /// 3DES-EDE3 in ECB mode on one block, without padding. The corresponding C functions are
    /// `EVP_EncryptInit_ex` with `EVP_des_ede3_ecb()` and `EVP_EncryptUpdate` (3DES is in
    /// OpenSSL 3's default provider; single DES is not and is never used).
    public func tripleDESEncrypt(key: [UInt8], block: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard key.count == 24, block.count == 8 else { throw .invalidInput }
        guard let context = EVP_CIPHER_CTX_new() else { throw failure(.operationFailed) }
        defer { EVP_CIPHER_CTX_free(context) }
        var output = [UInt8](repeating: 0, count: 16)
        var length: Int32 = 0
        guard EVP_EncryptInit_ex(context, EVP_des_ede3_ecb(), nil, key, nil) == 1,
              EVP_CIPHER_CTX_set_padding(context, 0) == 1,
              EVP_EncryptUpdate(context, &output, &length, block, 8) == 1, length == 8
        else { throw failure(.operationFailed) }
        return Array(output.prefix(8))
    }

    /// SHA-256 of `data`. The corresponding C function is `EVP_Digest` with `EVP_sha256()`.
    public func sha256(_ data: [UInt8]) -> [UInt8] {
        OpenSSLCryptoEngine.sha256(data)
    }

    /// HMAC of `data` under `key`. The corresponding C function is `HMAC` with `EVP_sha1()`,
    /// `EVP_sha256()` or `EVP_sha512()`.
    public func hmac(_ hash: HMACHash, key: [UInt8], data: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard !key.isEmpty, key.count <= Int(Int32.max) else { throw .invalidKey }
        let md: OpaquePointer?
        switch hash {
        case .sha1: md = EVP_sha1()
        case .sha256: md = EVP_sha256()
        case .sha512: md = EVP_sha512()
        }
        var mac = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        guard HMAC(md, key, Int32(key.count), data, data.count, &mac, &length) != nil, Int(length) == hash.length
        else { throw failure(.operationFailed) }
        return Array(mac.prefix(Int(length)))
    }

    /// `count` bytes from OpenSSL's DRBG. The corresponding C function is `RAND_bytes`.
    public func randomBytes(_ count: Int) throws(CryptoError) -> [UInt8] {
        guard count >= 0, count <= Int(Int32.max) else { throw .invalidInput }
        var bytes = [UInt8](repeating: 0, count: count)
        guard count == 0 || RAND_bytes(&bytes, Int32(count)) == 1 else { throw failure(.randomFailed) }
        return bytes
    }

    // MARK: Helpers

    /// SHA-256 of `data` (also used for the NVM file's checksum).
    static func sha256(_ data: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = EVP_Digest(data, data.count, &digest, &length, EVP_sha256(), nil)
        precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed")
        return digest
    }

    /// The parsed key for a blob, from the cache or parsed now (outside the lock) and cached.
    private func parsedKey(_ blob: [UInt8]) throws(CryptoError) -> OpenSSLRSAKey {
        if let cached = cache.withLock({ $0.key(for: blob) }) { return cached }
        let key = try OpenSSLRSAKey(parsing: blob)
        cache.withLock { $0.insert(key) }
        return key
    }

    /// One private-key operation with a fresh `EVP_PKEY_CTX` (contexts are not shareable
    /// between threads; keys are). Output is at most the modulus length.
    private func privateOperation(_ key: OpenSSLRSAKey, input: [UInt8], padding: Int32, sign: Bool,
                                  onFailure: CryptoError) throws(CryptoError) -> [UInt8] {
        guard let context = EVP_PKEY_CTX_new(key.pointer, nil) else { throw failure(.operationFailed) }
        defer { EVP_PKEY_CTX_free(context) }
        let initialized = sign ? EVP_PKEY_sign_init(context) : EVP_PKEY_decrypt_init(context)
        guard initialized == 1, EVP_PKEY_CTX_set_rsa_padding(context, padding) == 1 else {
            throw failure(.operationFailed)
        }
        var output = [UInt8](repeating: 0, count: key.size)
        var length = output.count
        let done = sign
            ? EVP_PKEY_sign(context, &output, &length, input, input.count)
            : EVP_PKEY_decrypt(context, &output, &length, input, input.count)
        guard done == 1, length <= output.count else {
            OpenSSLCryptoEngine.wipe(&output)
            throw failure(onFailure)
        }
        let result = Array(output.prefix(length))
        OpenSSLCryptoEngine.wipe(&output)
        return result
    }

    /// Whether `input` has the modulus length and is numerically below n.
    private static func isBelowModulus(_ input: [UInt8], _ key: OpenSSLRSAKey) -> Bool {
        input.count == key.size && input.lexicographicallyPrecedes(key.modulus)
    }

    /// The private key's DER encoding. The corresponding C function is `i2d_PrivateKey`.
    private static func privateKeyDER(_ key: OpaquePointer) -> [UInt8]? {
        let length = i2d_PrivateKey(key, nil)
        guard length > 0 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_PrivateKey(key, &cursor)
        }
        return written == length ? der : nil
    }

    /// Overwrites a scratch buffer that held secret material.
    private static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
    }

    /// Clears this thread's OpenSSL error queue and returns `error`, so a later call does not
    /// find stale errors.
    private func failure(_ error: CryptoError) -> CryptoError {
        ERR_clear_error()
        return error
    }
}
