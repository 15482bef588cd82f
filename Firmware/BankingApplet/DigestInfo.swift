/// DER DigestInfo values (RFC 8017 §9.2 note 1) that SIGN accepts: SHA-256 and SHA-1, nothing else.
enum DigestInfo {
    static let sha256Prefix: [UInt8] = [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                        0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20]
    static let sha1Prefix: [UInt8] = [0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02,
                                      0x1A, 0x05, 0x00, 0x04, 0x14]

    /// Whether `bytes` is exactly a SHA-256 or SHA-1 DigestInfo.
    static func isAccepted(_ bytes: [UInt8]) -> Bool {
        (bytes.count == sha256Prefix.count + 32 && bytes.starts(with: sha256Prefix))
            || (bytes.count == sha1Prefix.count + 20 && bytes.starts(with: sha1Prefix))
    }

    /// The SHA-256 DigestInfo of a digest.
    static func sha256(_ digest: [UInt8]) -> [UInt8] {
        sha256Prefix + digest
    }
}
