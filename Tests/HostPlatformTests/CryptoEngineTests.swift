import CardOS
import HostPlatform
import ISO7816
import Testing

@Suite("OpenSSL crypto engine")
struct CryptoEngineTests {
    /// One key per size for the whole suite: generation is the slow part.
    static let engine = OpenSSLCryptoEngine()
    static let key1024 = try! engine.generateRSAKey(bits: 1024)
    static let key2048 = try! engine.generateRSAKey(bits: 2048)

    var engine: OpenSSLCryptoEngine { CryptoEngineTests.engine }

    @Test("keys of 1024 and 2048 bits: full-length modulus, e = 65537", arguments: [1024, 2048])
    func generate(bits: Int) throws {
        let key = bits == 1024 ? CryptoEngineTests.key1024 : CryptoEngineTests.key2048
        #expect(key.modulus.count == bits / 8)
        #expect(key.modulus[0] & 0x80 != 0, "the modulus has its top bit set: no leading zero, full length")
        #expect(key.modulus.last! & 1 == 1, "the modulus is odd")
        #expect(key.exponent == [0x01, 0x00, 0x01])
        #expect(key.blob.first == 0x30, "the blob is a DER SEQUENCE")
    }

    @Test("only 1024 and 2048 bits are generated", arguments: [0, 512, 1023, 3072, 4096])
    func unsupportedSizes(bits: Int) {
        #expect(throws: CryptoError.keyGenerationFailed) { try engine.generateRSAKey(bits: bits) }
    }

    @Test("two generated keys differ")
    func distinctKeys() throws {
        let other = try engine.generateRSAKey(bits: 1024)
        #expect(other.modulus != CryptoEngineTests.key1024.modulus)
    }

    @Test("a SHA-256 DigestInfo signature verifies with OpenSSL against (n, e); a changed one does not",
          arguments: [1024, 2048])
    func sign(bits: Int) throws {
        let key = bits == 1024 ? CryptoEngineTests.key1024 : CryptoEngineTests.key2048
        let publicKey = TestRSAPublicKey(modulus: key.modulus, exponent: key.exponent)
        let digest = engine.sha256(Array("pay 1234.56 CNY to Zhang San".utf8))
        let signature = try engine.signPKCS1(key: key.blob, digestInfo: sha256DigestInfoPrefix + digest)
        #expect(signature.count == bits / 8)
        #expect(publicKey.verify(signature, sha256Digest: digest))
        var tampered = signature
        tampered[7] ^= 0x01
        #expect(!publicKey.verify(tampered, sha256Digest: digest), "a changed signature fails")
        #expect(!publicKey.verify(signature, sha256Digest: engine.sha256([0x00])), "another digest fails")
        // Type-1 padding is applied to the DigestInfo as is: the public operation shows it.
        let block = publicKey.raw(signature)
        #expect(Array(block.prefix(2)) == [0x00, 0x01])
        #expect(Array(block.suffix(51)) == sha256DigestInfoPrefix + digest)
        #expect(block[block.count - 52] == 0x00)
        #expect(block[2..<(block.count - 52)].allSatisfy { $0 == 0xFF })
    }

    @Test("signing input longer than k − 11 is refused; k − 11 is accepted")
    func signLengths() throws {
        let blob = CryptoEngineTests.key1024.blob
        #expect(throws: CryptoError.invalidInput) { try engine.signPKCS1(key: blob, digestInfo: [UInt8](repeating: 1, count: 118)) }
        #expect(try engine.signPKCS1(key: blob, digestInfo: [UInt8](repeating: 1, count: 117)).count == 128)
    }

    @Test("a blob that is not an engine key is refused", arguments: [
        [], [0x30, 0x00], [0x30, 0x03, 0x02, 0x01, 0x00], [UInt8](repeating: 0xA5, count: 16),
    ] as [[UInt8]])
    func invalidKeys(blob: [UInt8]) {
        let digestInfo = sha256DigestInfoPrefix + [UInt8](repeating: 0, count: 32)
        #expect(throws: CryptoError.invalidKey) { try engine.signPKCS1(key: blob, digestInfo: digestInfo) }
        #expect(throws: CryptoError.invalidKey) { try engine.rawRSA(key: blob, input: [UInt8](repeating: 0, count: 128)) }
    }

    @Test("a blob with a byte changed or appended is not the same key")
    func alteredBlob() {
        var appended = CryptoEngineTests.key1024.blob
        appended.append(0x00)
        #expect(throws: CryptoError.invalidKey) { try engine.rawRSA(key: appended, input: [UInt8](repeating: 0, count: 128)) }
    }

    @Test("raw RSA is the inverse of the public operation; input must be k bytes and below n")
    func rawRSA() throws {
        let key = CryptoEngineTests.key2048
        let publicKey = TestRSAPublicKey(modulus: key.modulus, exponent: key.exponent)
        let message = [0x00, 0x42] + (0..<254).map { UInt8(truncatingIfNeeded: $0) }
        let result = try engine.rawRSA(key: key.blob, input: message)
        #expect(result.count == 256)
        #expect(publicKey.raw(result) == message)
        let zero = [UInt8](repeating: 0, count: 256)
        #expect(try engine.rawRSA(key: key.blob, input: zero) == zero, "0^d = 0, kept at full length")
        var belowN = key.modulus
        belowN[255] -= 1
        #expect(publicKey.raw(try engine.rawRSA(key: key.blob, input: belowN)) == belowN, "n − 1 is accepted")
        #expect(throws: CryptoError.invalidInput) { try engine.rawRSA(key: key.blob, input: key.modulus) }
        #expect(throws: CryptoError.invalidInput) { try engine.rawRSA(key: key.blob, input: [UInt8](repeating: 0xFF, count: 256)) }
        #expect(throws: CryptoError.invalidInput) { try engine.rawRSA(key: key.blob, input: Array(message.dropFirst())) }
    }

    @Test("SHA-256 vectors (FIPS 180-2)", arguments: [
        ("", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"),
        ("abc", "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248D6A61D20638B8E5C026930C3E6039A33CE45964FF2167F6ECEDD419DB06C1"),
    ])
    func sha256(message: String, digest: String) {
        #expect(engine.sha256(Array(message.utf8)) == [UInt8](hex: digest)!)
    }

    @Test("random bytes: the count asked for, different each time")
    func random() throws {
        #expect(try engine.randomBytes(0).isEmpty)
        #expect(try engine.randomBytes(33).count == 33)
        #expect(try engine.randomBytes(32) != engine.randomBytes(32))
        #expect(throws: CryptoError.invalidInput) { try engine.randomBytes(-1) }
    }

    @Test("the key cache keeps the most recent keys; an evicted key still works")
    func cache() throws {
        let engine = OpenSSLCryptoEngine(cacheCapacity: 2)
        let digestInfo = sha256DigestInfoPrefix + [UInt8](repeating: 3, count: 32)
        let keys = [CryptoEngineTests.key1024, CryptoEngineTests.key2048]
        for key in keys { _ = try engine.signPKCS1(key: key.blob, digestInfo: digestInfo) }
        #expect(engine.cachedKeyCount == 2)
        let third = try engine.generateRSAKey(bits: 1024)
        #expect(engine.cachedKeyCount == 2, "the cache never grows past its capacity")
        for key in keys + [third] {
            let signature = try engine.signPKCS1(key: key.blob, digestInfo: digestInfo)
            #expect(TestRSAPublicKey(modulus: key.modulus, exponent: key.exponent)
                        .verify(signature, sha256Digest: Array(digestInfo.suffix(32))))
        }
        let uncached = OpenSSLCryptoEngine(cacheCapacity: 0)
        _ = try uncached.signPKCS1(key: third.blob, digestInfo: digestInfo)
        #expect(uncached.cachedKeyCount == 0)
    }

    @Test("one engine signs correctly from many threads at once, with keys evicted meanwhile")
    func concurrentUse() async throws {
        let engine = OpenSSLCryptoEngine(cacheCapacity: 1)
        let keys = [CryptoEngineTests.key1024, CryptoEngineTests.key2048]
        let failures = await withTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var failures = 0
                    for round in 0..<20 {
                        let key = keys[(task + round) % 2]
                        let digest = engine.sha256([UInt8(task), UInt8(round)])
                        let signature = try? engine.signPKCS1(key: key.blob, digestInfo: sha256DigestInfoPrefix + digest)
                        if signature.map({ TestRSAPublicKey(modulus: key.modulus, exponent: key.exponent)
                            .verify($0, sha256Digest: digest) }) != true { failures += 1 }
                    }
                    return failures
                }
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 0)
    }
}
