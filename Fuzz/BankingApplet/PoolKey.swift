import UKeyTestCA
import CardOS
import COpenSSL
import HostPlatform
import UKey

/// The RSA keys a fuzzed token can hold, generated once per process by the OpenSSL engine
/// (``count1024`` of 1024 bits, ``count2048`` of 2048), each with a certificate from a test CA and
/// the 16-byte windows of its private numbers.
struct PoolKey {
    let generated: GeneratedKey
    /// DER X.509 certificate of the key (PUT CERTIFICATE accepts it).
    let certificate: [UInt8]
    /// Every 16-byte run of d, p, q, dP, dQ and qInv.
    let privateWindows: Set<KeyWindow>

    /// The personalized token holds three 1024-bit keys; a script can then generate seven more
    /// of 1024 bits and four of 2048 (banking and PIV together) before GENERATE fails.
    static let count1024 = 10
    static let count2048 = 4

    static let all: [PoolKey] = {
        let engine = OpenSSLCryptoEngine()
        let authority = try! TestCertificateAuthority(subject: "CN=UKey Fuzz CA")
        let sizes = [Int](repeating: 1024, count: count1024) + [Int](repeating: 2048, count: count2048)
        return sizes.map { bits in
            let key = try! engine.generateRSAKey(bits: bits)
            let certificate = try! authority.issue(for: RSAPublicKey(modulus: key.modulus, exponent: key.exponent),
                                                   subject: "CN=UKey Fuzz Token")
            return PoolKey(generated: key, certificate: certificate,
                           privateWindows: KeyWindow.windows(of: privateNumbers(of: key.blob)))
        }
    }()

    /// The pool key with this modulus.
    static func key(modulus: [UInt8]) -> PoolKey? {
        all.first { $0.generated.modulus == modulus }
    }

    private static let allPrivateWindows = all.reduce(into: Set<KeyWindow>()) { $0.formUnion($1.privateWindows) }

    /// Whether `data` holds 16 consecutive bytes of any pool key's private numbers.
    static func leaksPrivateKey(_ data: [UInt8]) -> Bool {
        guard data.count >= KeyWindow.size else { return false }
        for start in 0...(data.count - KeyWindow.size) {
            let window = KeyWindow(data, at: start)
            if allPrivateWindows.contains(window) { return true }
        }
        return false
    }

    /// RSAES-PKCS1-v1_5 encryption of `plaintext` with this key (what a bank sends for DECIPHER).
    func encrypt(_ plaintext: [UInt8]) -> [UInt8] {
        let key = PoolKey.evpKey(generated.blob)
        defer { EVP_PKEY_free(key) }
        let context = EVP_PKEY_CTX_new(key, nil)
        defer { EVP_PKEY_CTX_free(context) }
        var length = 0
        guard EVP_PKEY_encrypt_init(context) == 1, EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1,
              EVP_PKEY_encrypt(context, nil, &length, plaintext, plaintext.count) == 1 else {
            fatalError("EVP_PKEY_encrypt_init failed")
        }
        var out = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_encrypt(context, &out, &length, plaintext, plaintext.count) == 1 else {
            fatalError("EVP_PKEY_encrypt failed")
        }
        return Array(out.prefix(length))
    }

    private static func evpKey(_ blob: [UInt8]) -> OpaquePointer {
        blob.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            return d2i_AutoPrivateKey(nil, &cursor, buffer.count)
        }!
    }

    /// d, p, q, dP, dQ and qInv of the engine's blob (DER RSAPrivateKey), big-endian.
    private static func privateNumbers(of blob: [UInt8]) -> [[UInt8]] {
        let key = evpKey(blob)
        defer { EVP_PKEY_free(key) }
        let numbers = ["d", "rsa-factor1", "rsa-factor2", "rsa-exponent1", "rsa-exponent2", "rsa-coefficient1"]
            .compactMap { name -> [UInt8]? in
                var number: OpaquePointer? = nil
                guard EVP_PKEY_get_bn_param(key, name, &number) == 1, let number else { return nil }
                defer { BN_free(number) }
                var bytes = [UInt8](repeating: 0, count: Int((BN_num_bits(number) + 7) / 8))
                BN_bn2bin(number, &bytes)
                return bytes
            }
        precondition(numbers.count == 6, "the engine's blob holds all six private numbers")
        return numbers
    }
}

/// 16 bytes, as two words so that a set lookup is cheap.
struct KeyWindow: Hashable {
    static let size = 16
    let high: UInt64
    let low: UInt64

    init(_ bytes: [UInt8], at start: Int) {
        var high: UInt64 = 0, low: UInt64 = 0
        for index in 0..<8 {
            high = high << 8 | UInt64(bytes[start + index])
            low = low << 8 | UInt64(bytes[start + 8 + index])
        }
        self.high = high
        self.low = low
    }

    /// Every window of every number.
    static func windows(of numbers: [[UInt8]]) -> Set<KeyWindow> {
        var windows = Set<KeyWindow>()
        for number in numbers where number.count >= size {
            for start in 0...(number.count - size) { windows.insert(KeyWindow(number, at: start)) }
        }
        return windows
    }
}
