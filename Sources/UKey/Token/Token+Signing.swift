/// Private-key operations: each needs the verified PIN and advances the signature counter
/// (DECIPHER excepted).
extension Token {
    /// SIGN a precomputed digest: RSA PKCS#1 v1.5 over its DigestInfo.
    public func sign(digest: [UInt8], algorithm: DigestAlgorithm = .sha256) async throws(TokenError) -> [UInt8] {
        guard digest.count == algorithm.length else {
            throw .invalidInput("a \(algorithm.rawValue) digest has \(algorithm.length) bytes, not \(digest.count)")
        }
        return try await operation { session throws(TokenError) in
            try await session.send(BankingCommand.sign(digestInfo: algorithm.digestInfoPrefix + digest), operation: "SIGN")
        }
    }

    /// SIGN `data`, hashed here with SHA-256.
    public func sign(data: [UInt8]) async throws(TokenError) -> [UInt8] {
        try await sign(digest: DigestAlgorithm.sha256.hash(data), algorithm: .sha256)
    }

    /// DECIPHER an RSA PKCS#1 v1.5 cryptogram for the card's key; the card removes the padding.
    public func decipher(_ ciphertext: [UInt8]) async throws(TokenError) -> [UInt8] {
        try await operation { session throws(TokenError) in
            try await session.send(BankingCommand.decipher(ciphertext), operation: "DECIPHER")
        }
    }

    /// INTERNAL AUTHENTICATE (logging in to the bank): a signature over SHA-256(`challenge`),
    /// 8–64 bytes of the bank's challenge.
    public func internalAuthenticate(challenge: [UInt8]) async throws(TokenError) -> [UInt8] {
        try await operation { session throws(TokenError) in
            try await session.send(BankingCommand.internalAuthenticate(challenge), operation: "INTERNAL AUTHENTICATE")
        }
    }
}
