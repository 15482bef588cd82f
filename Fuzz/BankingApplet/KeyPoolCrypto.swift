import CardOS
import HostPlatform

/// The OpenSSL engine, except that GENERATE KEY hands out the keys of ``PoolKey/all`` in turn instead of
/// generating one: key generation takes milliseconds to seconds, and a fuzzer that finds
/// GENERATE would spend its time there. Every other operation is OpenSSL's, on the same blobs.
final class KeyPoolCrypto: CryptoEngine {
    private static let engine = OpenSSLCryptoEngine()
    private var generated = 0

    func generateRSAKey(bits: Int) throws(CryptoError) -> GeneratedKey {
        let pool = PoolKey.all.filter { $0.generated.modulus.count * 8 == bits }
        guard !pool.isEmpty else { throw .keyGenerationFailed }
        defer { generated += 1 }
        return pool[generated % pool.count].generated
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

    func randomBytes(_ count: Int) throws(CryptoError) -> [UInt8] {
        try KeyPoolCrypto.engine.randomBytes(count)
    }
}
