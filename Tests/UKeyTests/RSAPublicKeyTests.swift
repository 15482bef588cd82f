import COpenSSL
import ISO7816
import Testing
import UKey

/// `RSAPublicKey`: the 7F49 template, DER and PEM forms, and PKCS#1 v1.5 verification that
/// accepts the right signature and nothing else.
@Suite struct RSAPublicKeyTests {
    private let key = CryptoFixtures.token

    @Test("the 7F49 template, PKCS#1 DER and SubjectPublicKeyInfo give back the same key")
    func encodings() throws {
        let publicKey = key.publicKey
        #expect(publicKey.bitCount == 1024)
        #expect(publicKey.exponent == [0x01, 0x00, 0x01])
        let template = publicKey.publicKeyTemplate
        #expect(Array(template.prefix(5)) == [0x7F, 0x49, 0x81, 0x88, 0x81])
        #expect(try RSAPublicKey(publicKeyTemplate: template) == publicKey)
        #expect(try RSAPublicKey(derSubjectPublicKeyInfo: publicKey.derSubjectPublicKeyInfo()) == publicKey)
        // PKCS#1 DER: the modulus has its high bit set, so its INTEGER gets a leading 00.
        #expect(Array(publicKey.derRSAPublicKey.prefix(8)) == [0x30, 0x81, 0x89, 0x02, 0x81, 0x81, 0x00, publicKey.modulus[0]])
    }

    @Test("leading zero bytes do not make a different key")
    func leadingZeros() throws {
        let padded = try RSAPublicKey(modulus: [0, 0] + key.publicKey.modulus, exponent: [0, 1, 0, 1])
        #expect(padded == key.publicKey)
    }

    @Test("PEM export is a PUBLIC KEY block that OpenSSL reads back to the same key")
    func pem() throws {
        let pem = try key.publicKey.pem()
        #expect(pem.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        #expect(pem.hasSuffix("-----END PUBLIC KEY-----\n"))
        let bytes = Array(pem.utf8)
        let parsed = bytes.withUnsafeBytes { buffer -> OpaquePointer? in
            let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count))
            defer { BIO_free(bio) }
            return PEM_read_bio_PUBKEY(bio, nil, nil, nil)
        }
        let evp = try #require(parsed)
        defer { EVP_PKEY_free(evp) }
        #expect(EVP_PKEY_get_bits(evp) == 1024)
    }

    @Test("a malformed key template is refused", arguments: [
        "7F48 06 8101 03 8201 03",                 // wrong tag
        "7F49 03 8101 03",                         // no exponent
        "7F49 09 8101 03 8201 03 8301 01",         // an extra object
        "7F49 06 8101 04 8201 03",                 // even modulus
        "7F49 06 8101 00 8201 03",                 // zero modulus
        "7F49 06 8101 03 8201",                    // truncated
    ])
    func malformedTemplate(hex: String) throws {
        let bytes = try #require([UInt8](hex: hex))
        #expect(throws: PKIError.self) { try RSAPublicKey(publicKeyTemplate: bytes) }
    }

    @Test("a digest signature verifies for SHA-256 and SHA-1, and fails for any other digest, signature, algorithm or key",
          arguments: DigestAlgorithm.allCases)
    func digestSignature(algorithm: DigestAlgorithm) throws {
        let message = Array("transfer batch 2026-11-23".utf8)
        let digest = algorithm.hash(message)
        let signature = key.signPKCS1(algorithm.digestInfoPrefix + digest)
        #expect(key.publicKey.verify(signature: signature, digest: digest, algorithm: algorithm))

        var otherDigest = digest
        otherDigest[0] ^= 1
        var otherSignature = signature
        otherSignature[signature.count - 1] ^= 1
        let otherAlgorithm: DigestAlgorithm = algorithm == .sha1 ? .sha256 : .sha1
        #expect(!key.publicKey.verify(signature: signature, digest: otherDigest, algorithm: algorithm))
        #expect(!key.publicKey.verify(signature: otherSignature, digest: digest, algorithm: algorithm))
        #expect(!key.publicKey.verify(signature: signature, digest: otherAlgorithm.hash(message), algorithm: otherAlgorithm))
        #expect(!CryptoFixtures.otherToken.publicKey.verify(signature: signature, digest: digest, algorithm: algorithm))
        #expect(!key.publicKey.verify(signature: Array(signature.dropFirst()), digest: digest, algorithm: algorithm))
    }

    @Test("a data signature (SHA-256) verifies over exactly the signed data")
    func dataSignature() {
        let data = Array("70 DTBS".utf8)
        let signature = key.sign(data: data)
        #expect(key.publicKey.verify(signature: signature, data: data))
        #expect(!key.publicKey.verify(signature: signature, data: data + [0]))
        #expect(!CryptoFixtures.otherToken.publicKey.verify(signature: signature, data: data))
        // A signature over the SHA-1 DigestInfo of the same data is not a SHA-256 signature.
        #expect(!key.publicKey.verify(signature: key.signPKCS1(DigestAlgorithm.sha1.digestInfo(of: data)), data: data))
    }

    @Test("digests match the FIPS 180 test vectors for \"abc\"")
    func digests() {
        let abc = Array("abc".utf8)
        #expect(DigestAlgorithm.sha256.hash(abc).hexString == "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")
        #expect(DigestAlgorithm.sha1.hash(abc).hexString == "A9993E364706816ABA3E25717850C26C9CD0D89D")
        #expect(DigestAlgorithm(digestLength: 32) == .sha256)
        #expect(DigestAlgorithm(digestLength: 20) == .sha1)
        #expect(DigestAlgorithm(digestLength: 48) == nil)
    }
}
