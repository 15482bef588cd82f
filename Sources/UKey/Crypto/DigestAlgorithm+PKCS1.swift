extension DigestAlgorithm {
    /// The EMSA-PKCS1-v1_5 encoded message for `digest` (RFC 8017 §9.2):
    /// `00 01 FF…FF 00 DigestInfo`, `length` bytes (the modulus length), at least 8 bytes of FF.
    /// A card that does raw RSA (PIV GENERAL AUTHENTICATE) signs exactly this block.
    public func pkcs1SignatureBlock(digest: [UInt8], length: Int) -> [UInt8]? {
        let digestInfo = digestInfoPrefix + digest
        guard digest.count == self.length, length >= digestInfo.count + 11 else { return nil }
        return [0x00, 0x01] + [UInt8](repeating: 0xFF, count: length - digestInfo.count - 3) + [0x00] + digestInfo
    }
}
