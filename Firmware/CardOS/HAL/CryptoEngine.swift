/// The token's cryptographic coprocessor. Private keys never leave it in the clear: the engine
/// hands out an opaque blob that the firmware stores in NVM and gives back for each operation.
public protocol CryptoEngine: AnyObject {
    /// Generates an RSA key pair of `bits` (1024 or 2048) with public exponent 65537.
    func generateRSAKey(bits: Int) throws(CryptoError) -> GeneratedKey
    /// RSASSA-PKCS1-v1_5 signature of an encoded DigestInfo (the caller chose and checked it).
    func signPKCS1(key: [UInt8], digestInfo: [UInt8]) throws(CryptoError) -> [UInt8]
    /// RSAES-PKCS1-v1_5 decryption: the plaintext, or ``CryptoError/invalidPadding``.
    func decryptPKCS1(key: [UInt8], ciphertext: [UInt8]) throws(CryptoError) -> [UInt8]
    /// The raw private-key operation `input^d mod n` (input as long as the modulus, below it).
    func rawRSA(key: [UInt8], input: [UInt8]) throws(CryptoError) -> [UInt8]
    /// Triple-DES (three keys, 24 bytes) encryption of one 8-byte block in ECB mode: the PIV
    /// management key's challenge-response. Input of another size is ``CryptoError/invalidInput``.
    func tripleDESEncrypt(key: [UInt8], block: [UInt8]) throws(CryptoError) -> [UInt8]
    /// SHA-256 of `data`.
    func sha256(_ data: [UInt8]) -> [UInt8]
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

/// Why a cryptographic operation failed.
public enum CryptoError: Error, Hashable, Sendable {
    case keyGenerationFailed
    /// The blob is not a key of this engine.
    case invalidKey
    /// Input of the wrong size for the key (or above the modulus).
    case invalidInput
    /// Decryption found no valid PKCS#1 v1.5 padding.
    case invalidPadding
    case operationFailed
    case randomFailed
}
