import CardOS
import HostPlatform

/// The OpenSSL engine, except that GENERATE KEY hands out the keys of ``PoolKey/all`` instead of
/// generating one: key generation takes milliseconds to seconds, and a fuzzer that finds
/// GENERATE would spend its time there. Every other operation is OpenSSL's, on the same blobs.
///
/// Like real generation, no key is handed out twice to one token (one script): the banking
/// applet's three keys and the PIV slots never share a modulus, so a signature that verifies
/// under the transfer key was made with the transfer key. Keys the token held before the script
/// started are ``exclude(_:)``d. When a script has used up the pool's keys of a size, GENERATE
/// fails (6F00), as a card's would without entropy.
final class KeyPoolCrypto: CryptoEngine {
    private static let engine = OpenSSLCryptoEngine()
    /// The moduli handed out or excluded so far.
    private var used: Set<[UInt8]> = []

    /// Never hands out `modulus` (a key the token already holds).
    func exclude(_ modulus: [UInt8]) { used.insert(modulus) }

    func generateRSAKey(bits: Int) throws(CryptoError) -> GeneratedKey {
        guard let key = PoolKey.all.first(where: { $0.generated.modulus.count * 8 == bits && !used.contains($0.generated.modulus) })
        else { throw .keyGenerationFailed }
        used.insert(key.generated.modulus)
        return key.generated
    }

    func signPKCS1(key: [UInt8], digestInfo: [UInt8]) throws(CryptoError) -> [UInt8] {
        try KeyPoolCrypto.engine.signPKCS1(key: key, digestInfo: digestInfo)
    }

    func decryptPKCS1(key: [UInt8], ciphertext: [UInt8], plaintextLength: Int) throws(CryptoError) -> [UInt8] {
        try KeyPoolCrypto.engine.decryptPKCS1(key: key, ciphertext: ciphertext, plaintextLength: plaintextLength)
    }

    func rawRSA(key: [UInt8], input: [UInt8]) throws(CryptoError) -> [UInt8] {
        try KeyPoolCrypto.engine.rawRSA(key: key, input: input)
    }

    func tripleDESEncrypt(key: [UInt8], block: [UInt8]) throws(CryptoError) -> [UInt8] {
        try KeyPoolCrypto.engine.tripleDESEncrypt(key: key, block: block)
    }

    func sha256(_ data: [UInt8]) -> [UInt8] { KeyPoolCrypto.engine.sha256(data) }

    func hmac(_ hash: HMACHash, key: [UInt8], data: [UInt8]) throws(CryptoError) -> [UInt8] {
        try KeyPoolCrypto.engine.hmac(hash, key: key, data: data)
    }

    func randomBytes(_ count: Int) throws(CryptoError) -> [UInt8] {
        try KeyPoolCrypto.engine.randomBytes(count)
    }
}
