/// Personalization, the bank's first session with a new token: the holder replaces the factory
/// PIN, the card makes its transfer key (the holder approves on the device), and the bank
/// certifies it.
extension Token {
    /// Changes the factory PIN to `newPIN`, generates the transfer key on the card (the token
    /// asks the holder's OK), has the card build its request, and asks `certify` (the bank's CA)
    /// for a transfer certificate, passing the request and the transfer public key the card
    /// reported: the CA certifies only that key (`TestCertificateAuthority.issueTransfer`). Stores
    /// the certificate and returns it. A token whose factory PIN was already changed is refused
    /// with ``TokenError/wrongPIN(triesLeft:)`` by the card, like any wrong PIN.
    public func personalize(factoryPIN: Secret, newPIN: Secret, subject: String, algorithm: KeyAlgorithm = .rsa1024,
                            certify: (CertificateSigningRequest, RSAPublicKey) async throws -> Certificate) async throws -> Certificate {
        try await changePIN(old: factoryPIN, new: newPIN)
        let transferKey = try await generateKey(.transfer, algorithm: algorithm)
        let request = try await certificateSigningRequest(for: .transfer, subject: subject)
        let certificate = try await certify(request, transferKey)
        try await putCertificate(certificate, for: .transfer)
        return certificate
    }
}
