import COpenSSL

/// The hash functions a UKey token signs with (RSASSA-PKCS1-v1_5, RFC 8017 §9.2): SHA-256, and
/// SHA-1 for legacy DigestInfos.
public enum DigestAlgorithm: String, Hashable, Sendable, CaseIterable {
    case sha1
    case sha256

    /// The digest length in bytes: 20 or 32.
    public var length: Int {
        switch self {
        case .sha1: return 20
        case .sha256: return 32
        }
    }

    /// The algorithm whose digests have `length` bytes.
    public init?(digestLength length: Int) {
        guard let match = Self.allCases.first(where: { $0.length == length }) else { return nil }
        self = match
    }

    /// The DER `DigestInfo` header that precedes the digest (RFC 8017 §9.2, note 1).
    public var digestInfoPrefix: [UInt8] {
        switch self {
        case .sha1: return [0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A, 0x05, 0x00, 0x04, 0x14]
        case .sha256:
            return [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
                    0x05, 0x00, 0x04, 0x20]
        }
    }

    /// The hash of `data` (`EVP_Digest`).
    public func hash(_ data: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var size: UInt32 = 0
        let ok = EVP_Digest(data, data.count, &digest, &size, messageDigest, nil)
        precondition(ok == 1 && Int(size) == length, "EVP_Digest cannot fail for a built-in hash")
        return Array(digest.prefix(length))
    }

    /// The DER `DigestInfo` of `hash(data)`: what SIGN expects as its data field.
    public func digestInfo(of data: [UInt8]) -> [UInt8] {
        digestInfoPrefix + hash(data)
    }

    /// The libcrypto `EVP_MD` (`EVP_sha1()` / `EVP_sha256()`).
    var messageDigest: OpaquePointer? {
        switch self {
        case .sha1: return EVP_sha1()
        case .sha256: return EVP_sha256()
        }
    }
}
