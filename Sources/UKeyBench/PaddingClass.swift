import COpenSSL
import UKey

/// The kinds of DECIPHER input the oracle check mixes: one valid PKCS#1 v1.5 encoding of an
/// L-byte message, and each way an encoding can be wrong (RFC 8017 §7.2.2 step 3), built as the
/// encoded message EM and then raised to e with no padding, as an attacker would.
enum PaddingClass: String, CaseIterable {
    case valid = "valid, L bytes"
    case firstByte = "EM[0] != 00"
    case blockType = "EM[1] != 02"
    case zeroInPS = "zero in PS"
    case noSeparator = "no separator"
    case shortPS = "PS < 8 bytes"
    case wrongLength = "valid, not L bytes"

    /// A random EM of `k` bytes of this class for an expected message length `length`; the
    /// message is the last `length` bytes when the class is `.valid`.
    func encodedMessage(k: Int, length: Int, using random: inout some RandomNumberGenerator) -> [UInt8] {
        func nonZero(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 1...255, using: &random) } }
        func any(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) } }
        func wellPadded(_ messageLength: Int) -> [UInt8] {
            [0x00, 0x02] + nonZero(k - 3 - messageLength) + [0x00] + any(messageLength)
        }
        switch self {
        case .valid:
            return wellPadded(length)
        case .firstByte:
            var em = wellPadded(length)
            em[0] = UInt8.random(in: 0x01...0x7F, using: &random)     // below n, whose top bit is set
            return em
        case .blockType:
            var em = wellPadded(length)
            em[1] = [0x00, 0x01, 0x03, 0x82, 0xFF].randomElement(using: &random)!
            return em
        case .zeroInPS:
            var em = wellPadded(length)
            em[Int.random(in: 2..<(k - length - 1), using: &random)] = 0x00
            return em
        case .noSeparator:
            return [0x00, 0x02] + nonZero(k - 2)
        case .shortPS:
            let padding = Int.random(in: 0...7, using: &random)
            return [0x00, 0x02] + nonZero(padding) + [0x00] + nonZero(k - 3 - padding)
        case .wrongLength:
            var other = length
            while other == length { other = Int.random(in: 1...(k - 11), using: &random) }
            return wellPadded(other)
        }
    }
}

/// The public half of the token's key in OpenSSL, for the raw public operation `m^e mod n`.
final class RawRSAEncryptor {
    private let key: OpaquePointer

    init(_ publicKey: RSAPublicKey) throws {
        let der = publicKey.derRSAPublicKey
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PublicKey(EVP_PKEY_RSA, nil, &cursor, buffer.count)
        }
        guard let parsed else { throw BenchmarkError.openSSL("d2i_PublicKey") }
        key = parsed
    }

    deinit { EVP_PKEY_free(key) }

    /// `em^e mod n` with `RSA_NO_PADDING` (em as long as the modulus, below it).
    func raw(_ em: [UInt8]) throws -> [UInt8] {
        let context = EVP_PKEY_CTX_new(key, nil)
        defer { EVP_PKEY_CTX_free(context) }
        var length = em.count
        var output = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_encrypt_init(context) == 1, EVP_PKEY_CTX_set_rsa_padding(context, RSA_NO_PADDING) == 1,
              EVP_PKEY_encrypt(context, &output, &length, em, em.count) == 1 else { throw BenchmarkError.openSSL("encrypt") }
        return Array(output.prefix(length))
    }
}
