/// The authentication and decryption keys' operations: each needs the verified PIN. SIGN and
/// INTERNAL AUTHENTICATE use the authentication key and advance its counter; DECIPHER uses the
/// decryption key. None of them can reach the transfer key.
extension Token {
    /// SIGN a precomputed digest with the authentication key: RSA PKCS#1 v1.5 over its DigestInfo.
    public func sign(digest: [UInt8], algorithm: DigestAlgorithm = .sha256) async throws(TokenError) -> [UInt8] {
        guard digest.count == algorithm.length else {
            throw .invalidInput("a \(algorithm.rawValue) digest has \(algorithm.length) bytes, not \(digest.count)")
        }
        return try await operation { session throws(TokenError) in
            try await session.send(BankingCommand.sign(digestInfo: algorithm.digestInfoPrefix + digest), operation: "SIGN",
                                   missing: .noBankingKey(.authentication))
        }
    }

    /// SIGN `data`, hashed here with SHA-256.
    public func sign(data: [UInt8]) async throws(TokenError) -> [UInt8] {
        try await sign(digest: DigestAlgorithm.sha256.hash(data), algorithm: .sha256)
    }

    /// DECIPHER an RSA PKCS#1 v1.5 cryptogram for the decryption key; the card removes the padding.
    public func decipher(_ ciphertext: [UInt8]) async throws(TokenError) -> [UInt8] {
        try await operation { session throws(TokenError) in
            try await session.send(BankingCommand.decipher(ciphertext), operation: "DECIPHER", missing: .noBankingKey(.decryption))
        }
    }

    /// INTERNAL AUTHENTICATE (logging in to the bank): a signature over SHA-256(`challenge`),
    /// 8–64 bytes of the bank's challenge.
    public func internalAuthenticate(challenge: [UInt8]) async throws(TokenError) -> [UInt8] {
        try await operation { session throws(TokenError) in
            try await session.send(BankingCommand.internalAuthenticate(challenge), operation: "INTERNAL AUTHENTICATE",
                                   missing: .noBankingKey(.authentication))
        }
    }
}
