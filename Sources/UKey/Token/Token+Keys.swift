/// The token's key pairs and certificates: generated on the card, certified by the bank's CA.
/// Each key has one purpose (``TokenKey``); every call names the key it means.
extension Token {
    /// GENERATE KEY on the card (needs the PIN). Replaces that key and deletes its certificate;
    /// the private key never leaves the card. For the ``TokenKey/transfer`` key the token first
    /// shows "New transfer key" and waits for the holder's OK (Cancel: ``TokenError/userDenied``).
    public func generateKey(_ key: TokenKey, algorithm: KeyAlgorithm = .rsa1024) async throws(TokenError) -> RSAPublicKey {
        try await operation { session throws(TokenError) in try await session.generateKey(key, algorithm) }
    }

    /// READ PUBLIC KEY; ``TokenError/notPersonalized(_:)`` if the card holds no such key.
    public func publicKey(_ key: TokenKey) async throws(TokenError) -> RSAPublicKey {
        try await operation { session throws(TokenError) in try await session.publicKey(key) }
    }

    /// A PKCS#10 request for the ``TokenKey/transfer`` or ``TokenKey/authentication`` key,
    /// built and signed by the card itself (needs the PIN): the host sends only `subject`
    /// (`CN=…, O=…`, without serialNumber); the card adds its serial as `serialNumber` and its
    /// own public key, so the certificate names the token the bank will see in every signed
    /// transfer. The decryption key never signs: certify its public key instead.
    public func certificateSigningRequest(for key: TokenKey, subject: String) async throws(TokenError) -> CertificateSigningRequest {
        guard key != .decryption else {
            throw .invalidInput("the decryption key never signs, so it has no request: certify its public key (token pubkey --key decrypt)")
        }
        guard !subject.lowercased().contains("serialnumber=") else {
            throw .invalidInput("subject \"\(subject)\": the card adds its own serialNumber")
        }
        let name: [UInt8]
        do { name = try DistinguishedName.der(subject) }
        catch { throw .invalidInput("subject \"\(subject)\": \(error)") }
        return try await operation { session throws(TokenError) in
            let der = try await session.send(BankingCommand.certificationRequest(key, subject: name), operation: "CERTIFICATE REQUEST",
                                             missing: .noBankingKey(key))
            let request: CertificateSigningRequest
            do { request = try CertificateSigningRequest(der: der) }
            catch { throw .malformedResponse("the request the token built: \(error)") }
            guard request.isSignatureValid else { throw .malformedResponse("the request the token built does not verify") }
            return request
        }
    }

    /// PUT CERTIFICATE for `key` (needs the PIN): the card refuses a certificate for another key (6A80).
    public func putCertificate(_ certificate: Certificate, for key: TokenKey) async throws(TokenError) {
        try await operation { session throws(TokenError) in
            _ = try await session.send(BankingCommand.putCertificate(certificate.der, for: key), operation: "PUT CERTIFICATE",
                                       missing: .noBankingKey(key))
        }
    }

    /// GET CERTIFICATE of `key`; ``TokenError/notPersonalized(_:)`` if the card holds none.
    public func certificate(_ key: TokenKey) async throws(TokenError) -> Certificate {
        try await operation { session throws(TokenError) in try await session.certificate(key) }
    }
}
