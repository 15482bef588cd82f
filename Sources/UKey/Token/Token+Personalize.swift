/// Personalization, the bank's first session with a new token: the holder replaces the factory
/// PIN, the card makes its key, and the bank certifies it.
extension Token {
    /// Changes the factory PIN to `newPIN`, generates a key on the card, asks `certify` (the
    /// bank's CA) for a certificate for the card's CSR and stores it on the card. Returns the
    /// certificate. A token whose factory PIN was already changed is refused with
    /// ``TokenError/wrongPIN(triesLeft:)`` by the card, like any wrong PIN.
    public func personalize(factoryPIN: Secret, newPIN: Secret, subject: String, algorithm: KeyAlgorithm = .rsa1024,
                            certify: (CertificateSigningRequest) async throws -> Certificate) async throws -> Certificate {
        try await changePIN(old: factoryPIN, new: newPIN)
        _ = try await generateKey(algorithm)
        let request = try await certificateSigningRequest(subject: subject)
        let certificate = try await certify(request)
        try await putCertificate(certificate)
        return certificate
    }
}
