/// The token's cryptographic coprocessor. Private keys never leave it in the clear: the engine
/// hands out an opaque blob that the firmware stores in NVM and gives back for each operation.
public protocol CryptoEngine: AnyObject {
    /// Generates an RSA key pair of `bits` (1024 or 2048) with public exponent 65537.
    func generateRSAKey(bits: Int) throws(CryptoError) -> GeneratedKey
    /// RSASSA-PKCS1-v1_5 signature of an encoded DigestInfo (the caller chose and checked it).
    func signPKCS1(key: [UInt8], digestInfo: [UInt8]) throws(CryptoError) -> [UInt8]
    /// RSAES-PKCS1-v1_5 decryption (RFC 8017 §7.2.2) with implicit rejection, for a plaintext of
    /// a known length: always exactly `plaintextLength` bytes, the message when the padding is
    /// valid and the message has that length, otherwise a pseudo-random message that the private
    /// key and the ciphertext alone determine (the same ciphertext gets the same answer). No
    /// result, error or timing depends on the padding, so DECIPHER is no Bleichenbacher padding
    /// oracle (draft-irtf-cfrg-rsa-guidance, "implicit rejection"). The ciphertext must be
    /// exactly as long as the modulus (k bytes) and `plaintextLength` in 1…k − 11, else
    /// ``CryptoError/invalidInput``; a ciphertext at or above n gets the pseudo-random message.
    func decryptPKCS1(key: [UInt8], ciphertext: [UInt8], plaintextLength: Int) throws(CryptoError) -> [UInt8]
    /// The raw private-key operation `input^d mod n` (input as long as the modulus, below it).
    func rawRSA(key: [UInt8], input: [UInt8]) throws(CryptoError) -> [UInt8]
    /// Triple-DES (three keys, 24 bytes) encryption of one 8-byte block in ECB mode: the PIV
    /// management key's challenge-response. Input of another size is ``CryptoError/invalidInput``.
    func tripleDESEncrypt(key: [UInt8], block: [UInt8]) throws(CryptoError) -> [UInt8]
    /// SHA-256 of `data`.
    func sha256(_ data: [UInt8]) -> [UInt8]
    /// HMAC (RFC 2104) of `data` under `key` with `hash`: the OATH applet's one-time passwords
    /// and access-key proofs. An empty key is ``CryptoError/invalidKey``.
    func hmac(_ hash: HMACHash, key: [UInt8], data: [UInt8]) throws(CryptoError) -> [UInt8]
    /// `count` bytes from the token's random number generator.
    func randomBytes(_ count: Int) throws(CryptoError) -> [UInt8]
}

/// A key pair as the engine returns it: the opaque private blob and the public numbers.
/// Printing it never shows the blob.
public struct GeneratedKey: Sendable, CustomStringConvertible {
    /// The engine's opaque private-key blob. Never sent to the host.
    public var blob: [UInt8]
    /// The modulus n, big-endian, without leading zero bytes.
    public var modulus: [UInt8]
    /// The public exponent e, big-endian.
    public var exponent: [UInt8]

    public init(blob: [UInt8], modulus: [UInt8], exponent: [UInt8]) {
        self.blob = blob
        self.modulus = modulus
        self.exponent = exponent
    }

    public var description: String { "GeneratedKey(\(modulus.count * 8)-bit RSA, private blob redacted)" }
}

#if !hasFeature(Embedded)
extension GeneratedKey: CustomReflectable {
    /// `dump` and test failure messages show the key size, never the blob.
    public var customMirror: Mirror { Mirror(self, children: ["bits": modulus.count * 8]) }
}
#endif

/// The hash under an HMAC.
public enum HMACHash: Sendable, Hashable {
    case sha1
    case sha256
    case sha512

    /// The MAC's length in bytes.
    public var length: Int {
        switch self {
        case .sha1: return 20
        case .sha256: return 32
        case .sha512: return 64
        }
    }
}

/// Why a cryptographic operation failed.
public enum CryptoError: Error, Hashable, Sendable {
    case keyGenerationFailed
    /// The blob is not a key of this engine.
    case invalidKey
    /// Input of the wrong size for the key (or above the modulus).
    case invalidInput
    case operationFailed
    case randomFailed
}
