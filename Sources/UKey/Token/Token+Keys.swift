/// The token's key pair and certificate: generated on the card, certified by the bank's CA.
extension Token {
    /// GENERATE KEY on the card (needs the PIN). Replaces any key and clears the certificate;
    /// the private key never leaves the card.
    public func generateKey(_ algorithm: KeyAlgorithm = .rsa1024) async throws(TokenError) -> RSAPublicKey {
        try await operation { session throws(TokenError) in
            try Self.publicKey(try await session.send(BankingCommand.generateKey(algorithm), operation: "GENERATE KEY"))
        }
    }

    /// READ PUBLIC KEY; ``TokenError/notPersonalized(_:)`` if the card holds no key.
    public func publicKey() async throws(TokenError) -> RSAPublicKey {
        try await operation { session throws(TokenError) in try await session.publicKey() }
    }

    /// A PKCS#10 request for the card's key, signed by the card (needs the PIN). `subject` is
    /// `CN=…, O=…`; the token's serial is added as `serialNumber` unless the subject has one, so
    /// the certificate names the token the bank will see in every signed transfer.
    public func certificateSigningRequest(subject: String) async throws(TokenError) -> CertificateSigningRequest {
        try await operation { session throws(TokenError) in
            let publicKey = try await session.publicKey()
            var name = subject
            if !subject.lowercased().contains("serialnumber=") {
                name += (subject.isEmpty ? "" : ", ") + "serialNumber=" + (try await session.info()).serial
            }
            let info: [UInt8]
            do { info = try CertificateSigningRequest.certificationRequestInfo(subject: name, publicKey: publicKey) }
            catch { throw .invalidInput("subject \"\(subject)\": \(error)") }
            let digestInfo = DigestAlgorithm.sha256.digestInfo(of: info)
            let signature = try await session.send(BankingCommand.sign(digestInfo: digestInfo), operation: "SIGN")
            do { return try CertificateSigningRequest(certificationRequestInfo: info, signature: signature) }
            catch { throw .malformedResponse("the request the token signed does not verify: \(error)") }
        }
    }

    /// PUT CERTIFICATE (needs the PIN): the card refuses a certificate for another key (6A80).
    public func putCertificate(_ certificate: Certificate) async throws(TokenError) {
        try await operation { session throws(TokenError) in
            _ = try await session.send(BankingCommand.putCertificate(certificate.der), operation: "PUT CERTIFICATE")
        }
    }

    /// GET CERTIFICATE; ``TokenError/notPersonalized(_:)`` if the card holds none.
    public func certificate() async throws(TokenError) -> Certificate {
        try await operation { session throws(TokenError) in try await session.certificate() }
    }

    static func publicKey(_ template: [UInt8]) throws(TokenError) -> RSAPublicKey {
        do { return try RSAPublicKey(publicKeyTemplate: template) }
        catch { throw .malformedResponse("public key: \(error)") }
    }
}

extension TokenSession {
    func publicKey() async throws(TokenError) -> RSAPublicKey {
        try Token.publicKey(try await send(BankingCommand.readPublicKey, operation: "READ PUBLIC KEY"))
    }

    func certificate() async throws(TokenError) -> Certificate {
        let der = try await send(BankingCommand.getCertificate, operation: "GET CERTIFICATE", missing: .noCertificate)
        do { return try Certificate(der: der) }
        catch { throw .malformedResponse("certificate: \(error)") }
    }
}
