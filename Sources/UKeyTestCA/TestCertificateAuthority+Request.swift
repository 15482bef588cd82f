import UKey

extension TestCertificateAuthority {
    /// Certifies the key of a PKCS#10 `request` under the request's subject, once its
    /// self-signature proves that the requester holds the private key, for an authentication key
    /// (``CertificateProfile/tlsClient``) or a TLS server.
    ///
    /// A CSR cannot show which of a token's keys signed it, so a transfer certificate is never
    /// issued here (``issueTransferCertificate(for:recordedTransferKey:days:)`` checks the key
    /// against the one read from the card), and a decryption key never signs, so it has no CSR
    /// (``issue(for:subject:days:profile:)`` with its public key).
    public func issue(for request: CertificateSigningRequest, days: Int = 365,
                      profile: CertificateProfile) throws(PKIError) -> Certificate {
        switch profile {
        case .transfer:
            throw .notCertified("a transfer certificate is issued only for the transfer key the bank read from the card (issueTransferCertificate(for:recordedTransferKey:))")
        case .decryption:
            throw .notCertified("a decryption key never signs, so it has no CSR: certify its public key")
        case .tlsClient, .tlsServer:
            break
        }
        guard request.isSignatureValid else {
            throw .invalidInput("the request's signature does not verify: the requester has not shown it holds the key")
        }
        return try Certificate(der: try issue(for: request.publicKey, subject: request.subject, days: days, profile: profile))
    }

    /// Certifies a token's transfer key (``CertificateProfile/transfer``) under the subject of
    /// the card-built `request`, only when the request's public key is `recordedTransferKey`,
    /// the key the bank read from the card during personalization (`ukey token pubkey --key
    /// transfer`). A CSR that merely arrives could come from any key of the token (or another
    /// token) and is refused; so is one whose self-signature does not verify.
    public func issueTransferCertificate(for request: CertificateSigningRequest, recordedTransferKey: RSAPublicKey,
                                         days: Int = 365) throws(PKIError) -> Certificate {
        guard request.publicKey == recordedTransferKey else {
            throw .notCertified("the request's public key is not the transfer key recorded from the card")
        }
        guard request.isSignatureValid else {
            throw .invalidInput("the request's signature does not verify: the requester has not shown it holds the key")
        }
        return try Certificate(der: try issue(for: request.publicKey, subject: request.subject, days: days, profile: .transfer))
    }
}
