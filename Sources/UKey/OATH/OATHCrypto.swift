import COpenSSL
import Foundation

/// The host side of the OATH access key: PBKDF2 and HMAC-SHA1 from OpenSSL, as yubikit derives
/// and proves it (16-byte key = PBKDF2-HMAC-SHA1(password, salt, 1000)).
enum OATHCrypto {
    static func deriveKey(password: Secret, salt: [UInt8]) throws(TokenError) -> [UInt8] {
        var key = [UInt8](repeating: 0, count: 16)
        let ok = password.bytes.withUnsafeBufferPointer { pw in
            PKCS5_PBKDF2_HMAC(pw.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, Int32(pw.count),
                              salt, Int32(salt.count), 1000, EVP_sha1(), 16, &key)
        }
        guard ok == 1 else { throw .transport("PKCS5_PBKDF2_HMAC failed") }
        return key
    }

    static func hmacSHA1(key: [UInt8], data: [UInt8]) throws(TokenError) -> [UInt8] {
        var mac = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        guard HMAC(EVP_sha1(), key, Int32(key.count), data, data.count, &mac, &length) != nil, length == 20 else {
            throw .transport("HMAC failed")
        }
        return mac
    }

    /// The shortened key: longer than the hash's block, it is hashed first (RFC 2104), as ykman does.
    static func shortened(_ key: [UInt8], _ algorithm: OATHAlgorithm) -> [UInt8] {
        guard key.count > algorithm.wire.blockSize else { return key }
        var digest = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        let md: OpaquePointer? = algorithm == .sha1 ? EVP_sha1() : algorithm == .sha256 ? EVP_sha256() : EVP_sha512()
        _ = EVP_Digest(key, key.count, &digest, &length, md, nil)
        return Array(digest.prefix(Int(length)))
    }

    static func deviceID(salt: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = EVP_Digest(salt, salt.count, &digest, &length, EVP_sha256(), nil)
        return Data(digest.prefix(16)).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }
}
