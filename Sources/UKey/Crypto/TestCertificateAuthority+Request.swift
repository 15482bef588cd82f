extension TestCertificateAuthority {
    /// Certifies the key of a PKCS#10 `request` under the request's subject, once its
    /// self-signature proves that the requester holds the private key; `profile` says what the
    /// certificate is for (a banking key, a TLS client or a TLS server).
    public func issue(for request: CertificateSigningRequest, days: Int = 365,
                      profile: CertificateProfile = .banking) throws(PKIError) -> Certificate {
        guard request.isSignatureValid else {
            throw .invalidEncoding("the request's signature does not verify: the requester has not shown it holds the key")
        }
        return try Certificate(der: try issue(for: request.publicKey, subject: request.subject, days: days, profile: profile))
    }
}
