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

    /// DECIPHER an RSA PKCS#1 v1.5 cryptogram for the decryption key, whose plaintext is expected to be
    /// `plaintextLength` bytes (1…k − 11, k the cryptogram's length). The card always answers
    /// exactly that many bytes: the plaintext when the padding is valid and the plaintext has that
    /// length, otherwise pseudo-random bytes fixed by the key and the cryptogram (implicit
    /// rejection: the card gives no padding oracle). So a wrong answer shows only later, when the
    /// plaintext is used (a key that does not decrypt, a MAC that does not verify).
    public func decipher(_ ciphertext: [UInt8], plaintextLength: Int) async throws(TokenError) -> [UInt8] {
        guard ciphertext.count > 11, (1...(ciphertext.count - 11)).contains(plaintextLength) else {
            throw .invalidInput("a \(ciphertext.count)-byte cryptogram holds 1 to \(max(ciphertext.count - 11, 0)) bytes, not \(plaintextLength)")
        }
        return try await operation { session throws(TokenError) in
            try await session.send(BankingCommand.decipher(ciphertext, plaintextLength: plaintextLength), operation: "DECIPHER",
                                   missing: .noBankingKey(.decryption))
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
