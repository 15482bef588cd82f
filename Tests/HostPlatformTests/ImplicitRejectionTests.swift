import CardOS
import COpenSSL
import HostPlatform
import ISO7816
import Testing

/// `decryptPKCS1(key:ciphertext:plaintextLength:)`: RSAES-PKCS1-v1_5 with implicit rejection
/// (the COpenSSL shim's `ukey_rsa_pkcs1_decrypt_implicit_rejection`). No timing here: the timing
/// side is `make oracle-check`.
@Suite("OpenSSL crypto engine: PKCS#1 v1.5 decryption with implicit rejection")
struct ImplicitRejectionTests {
    static let engine = OpenSSLCryptoEngine()
    static let key = CryptoEngineTests.key1024
    static let publicKey = TestRSAPublicKey(modulus: key.modulus, exponent: key.exponent)
    /// The message every bad encoding below carries (16 bytes, as DECIPHER of a session key).
    static let message = (0..<16).map { UInt8($0 * 9 + 3) }

    var engine: OpenSSLCryptoEngine { ImplicitRejectionTests.engine }
    var key: GeneratedKey { ImplicitRejectionTests.key }

    /// EM = `first ‖ second ‖ PS ‖ 00 ‖ M` of k = 128 bytes, PS non-zero.
    static func encoded(first: UInt8 = 0x00, second: UInt8 = 0x02, message: [UInt8] = message) -> [UInt8] {
        let padding = (0..<(128 - 3 - message.count)).map { UInt8(truncatingIfNeeded: $0 * 37 % 255 + 1) }
        return [first, second] + padding + [0x00] + message
    }

    /// Every kind of bad encoding for a 16-byte plaintext, as the EM before the public operation.
    static let badEncodings: [(String, [UInt8])] = {
        var zeroInPS = encoded()
        zeroInPS[40] = 0x00
        var noSeparator = encoded()
        noSeparator[128 - 17] = 0x5A
        let shortPS = [0x00, 0x02] + [UInt8](repeating: 0x11, count: 7) + [0x00] + [UInt8](repeating: 0x22, count: 118)
        return [
            ("EM[0] ≠ 0", encoded(first: 0x01)),
            ("EM[1] ≠ 2 (type 1)", encoded(second: 0x01)),
            ("EM[1] ≠ 2 (03)", encoded(second: 0x03)),
            ("a zero in PS", zeroInPS),
            ("no separator", noSeparator),
            ("PS of 7 bytes", shortPS),
            ("valid padding, 15-byte message", encoded(message: Array(message.dropFirst()))),
            ("valid padding, 17-byte message", encoded(message: [0x77] + message)),
        ]
    }()

    @Test("a cryptogram from OpenSSL's PKCS#1 v1.5 encryption round-trips", arguments: [1, 16, 32, 117])
    func roundTrip(length: Int) throws {
        let plaintext = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) }
        let ciphertext = ImplicitRejectionTests.publicKey.encrypt(plaintext)
        #expect(try engine.decryptPKCS1(key: key.blob, ciphertext: ciphertext, plaintextLength: length) == plaintext)
    }

    @Test("RSA-2048: the longest plaintext (k − 11 = 245 bytes) round-trips")
    func roundTrip2048() throws {
        let key = CryptoEngineTests.key2048
        let plaintext = (0..<245).map { UInt8(truncatingIfNeeded: $0 ^ 0x5C) }
        let ciphertext = TestRSAPublicKey(modulus: key.modulus, exponent: key.exponent).encrypt(plaintext)
        #expect(try engine.decryptPKCS1(key: key.blob, ciphertext: ciphertext, plaintextLength: 245) == plaintext)
    }

    @Test("bad padding gives exactly L bytes, not the message, the same twice",
          arguments: ImplicitRejectionTests.badEncodings.map(\.0))
    func badPadding(kind: String) throws {
        let encoded = ImplicitRejectionTests.badEncodings.first { $0.0 == kind }!.1
        let ciphertext = ImplicitRejectionTests.publicKey.raw(encoded)
        let answer = try engine.decryptPKCS1(key: key.blob, ciphertext: ciphertext, plaintextLength: 16)
        #expect(answer.count == 16, "always the expected length")
        #expect(answer != Array(encoded.suffix(16)), "never the bytes after a separator")
        #expect(try engine.decryptPKCS1(key: key.blob, ciphertext: ciphertext, plaintextLength: 16) == answer,
                "the synthetic message is deterministic")
    }

    @Test("every bad cryptogram gets its own synthetic message")
    func distinctSyntheticMessages() throws {
        var answers: Set<[UInt8]> = []
        for (_, encoded) in ImplicitRejectionTests.badEncodings {
            answers.insert(try engine.decryptPKCS1(key: key.blob, ciphertext: ImplicitRejectionTests.publicKey.raw(encoded),
                                                   plaintextLength: 16))
        }
        #expect(answers.count == ImplicitRejectionTests.badEncodings.count)
    }

    @Test("a valid cryptogram asked for another length gets synthetic bytes, not a prefix or suffix")
    func wrongExpectedLength() throws {
        let ciphertext = ImplicitRejectionTests.publicKey.encrypt(ImplicitRejectionTests.message)
        for length in [1, 15, 17, 117] {
            let answer = try engine.decryptPKCS1(key: key.blob, ciphertext: ciphertext, plaintextLength: length)
            #expect(answer.count == length)
            #expect(answer != Array(ImplicitRejectionTests.message.suffix(length)))
            #expect(answer != Array(ImplicitRejectionTests.message.prefix(length)))
        }
    }

    @Test("the synthetic message is PRF(HMAC-SHA256(SHA-256(d), cryptogram), \"message\", L), as documented")
    func syntheticMessageDerivation() throws {
        let ciphertext = ImplicitRejectionTests.publicKey.raw(ImplicitRejectionTests.encoded(first: 0x01))
        for length in [16, 40, 117] {
            let answer = try engine.decryptPKCS1(key: key.blob, ciphertext: ciphertext, plaintextLength: length)
            #expect(answer == ImplicitRejectionTests.expectedSynthetic(blob: key.blob, ciphertext: ciphertext, length: length))
        }
    }

    @Test("a cryptogram at or above n is not an error either: L synthetic bytes")
    func aboveModulus() throws {
        for ciphertext in [key.modulus, [UInt8](repeating: 0xFF, count: 128)] {
            let answer = try engine.decryptPKCS1(key: key.blob, ciphertext: ciphertext, plaintextLength: 32)
            #expect(answer == ImplicitRejectionTests.expectedSynthetic(blob: key.blob, ciphertext: ciphertext, length: 32))
        }
    }

    @Test("public lengths only: a cryptogram of another size or L outside 1…k − 11 is invalid input")
    func invalidInput() throws {
        let valid = ImplicitRejectionTests.publicKey.encrypt([1, 2, 3])
        for (ciphertext, length) in [(Array(valid.dropFirst()), 3), ([0] + valid, 3), (valid, 0), (valid, 118), (valid, -1)] {
            #expect(throws: CryptoError.invalidInput) {
                try engine.decryptPKCS1(key: key.blob, ciphertext: ciphertext, plaintextLength: length)
            }
        }
        #expect(throws: CryptoError.invalidKey) { try engine.decryptPKCS1(key: [0x30, 0x00], ciphertext: valid, plaintextLength: 3) }
        #expect(try engine.decryptPKCS1(key: key.blob, ciphertext: valid, plaintextLength: 3) == [1, 2, 3],
                "a refusal leaves no stale OpenSSL error behind")
    }

    /// The synthetic message computed here from the key's d with OpenSSL's HMAC, independently of
    /// the shim: KDK = HMAC-SHA256(SHA-256(d as k bytes), c); the first L bytes of
    /// HMAC-SHA256(KDK, I ‖ "message" ‖ 8L) for I = 0, 1, … (2-byte big-endian I and 8L).
    static func expectedSynthetic(blob: [UInt8], ciphertext: [UInt8], length: Int) -> [UInt8] {
        let privateKey = blob.withUnsafeBufferPointer { buffer -> OpaquePointer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PrivateKey(EVP_PKEY_RSA, nil, &cursor, buffer.count)!
        }
        defer { EVP_PKEY_free(privateKey) }
        var d: OpaquePointer? = nil
        precondition(EVP_PKEY_get_bn_param(privateKey, "d", &d) == 1)
        defer { BN_clear_free(d) }
        var dBytes = [UInt8](repeating: 0, count: ciphertext.count)
        precondition(BN_bn2binpad(d, &dBytes, Int32(dBytes.count)) == Int32(dBytes.count))
        func hmac(_ key: [UInt8], _ data: [UInt8]) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: 32)
            var outLength: UInt32 = 0
            precondition(HMAC(EVP_sha256(), key, Int32(key.count), data, data.count, &out, &outLength) != nil)
            return out
        }
        let kdk = hmac(engine.sha256(dBytes), ciphertext)
        let bitLength = length * 8
        let bits = [UInt8(bitLength >> 8), UInt8(bitLength & 0xFF)]
        var stream: [UInt8] = []
        var counter = 0
        while stream.count < length {
            stream += hmac(kdk, [UInt8(counter >> 8), UInt8(counter & 0xFF)] + Array("message".utf8) + bits)
            counter += 1
        }
        return Array(stream.prefix(length))
    }
}
