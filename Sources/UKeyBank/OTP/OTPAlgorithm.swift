import COpenSSL

/// RFC 4226 HOTP values (RFC 6238 TOTP is HOTP of the time step) with OpenSSL's HMAC.
enum OTPMath {
    /// The `digits`-digit code of `counter`, zero-padded.
    static func code(secret: [UInt8], counter: UInt64, algorithm: OTPAlgorithm, digits: Int) -> [UInt8] {
        let message = (0..<8).map { UInt8(truncatingIfNeeded: counter >> (56 - 8 * UInt64($0))) }
        var mac = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        let md: OpaquePointer? = switch algorithm {
        case .sha1: EVP_sha1()
        case .sha256: EVP_sha256()
        case .sha512: EVP_sha512()
        }
        guard HMAC(md, secret, Int32(secret.count), message, message.count, &mac, &length) != nil, length >= 20 else { return [] }
        let offset = Int(mac[Int(length) - 1] & 0x0F)
        let binary = (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        var value = binary % modulus
        var text = [UInt8](repeating: 0x30, count: digits)
        for index in stride(from: digits - 1, through: 0, by: -1) {
            text[index] = 0x30 + UInt8(value % 10)
            value /= 10
        }
        return text
    }

    /// Whether `a` and `b` are equal, in time that depends only on their lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
