extension TestCertificateAuthority {
    /// Certifies the key of a PKCS#10 `request` under the request's subject, once its
    /// self-signature proves that the requester holds the private key.
    public func issue(for request: CertificateSigningRequest, days: Int = 365) throws(PKIError) -> Certificate {
        guard request.isSignatureValid else {
            throw .invalidEncoding("the request's signature does not verify: the requester has not shown it holds the key")
        }
        return try Certificate(der: try issue(for: request.publicKey, subject: request.subject, days: days))
    }
}
