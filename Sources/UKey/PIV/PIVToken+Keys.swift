/// Keys made on the card and used through raw RSA: GENERATE (needs the management key),
/// signatures whose PKCS#1 v1.5 padding is built here, and CSRs signed by the slot's key.
extension PIVToken {
    /// GENERATE a key pair in `slot` after 9B mutual authentication with `managementKey`, in
    /// one transaction. Replaces the slot's key and clears its certificate; returns the public
    /// key (the card never returns it again: keep it, or certify it).
    public func generate(slot: PIVSlot, algorithm: KeyAlgorithm = .rsa2048,
                         managementKey: PIVManagementKey) async throws(TokenError) -> RSAPublicKey {
        try await operation { session throws(TokenError) in
            try await session.authenticate(managementKey)
            let template = try await session.send(PIVCommand.generate(slot, algorithm), operation: "GENERATE \(slot.hex)",
                                                  securityStatus: .managementKeyRequired)
            let key = try RSAPublicKey(cardTemplate: template)
            guard key.bitCount == algorithm.modulusLength * 8 else {
                throw .malformedResponse("GENERATE \(slot.hex) returned a \(key.bitCount)-bit key for \(algorithm.rawValue)")
            }
            return key
        }
    }

    /// Authenticates the management key alone (9B mutual authentication): checks a key before
    /// it is used. A wrong key is ``TokenError/wrongManagementKey``.
    public func authenticate(managementKey: PIVManagementKey) async throws(TokenError) {
        try await operation { session throws(TokenError) in try await session.authenticate(managementKey) }
    }

    /// An RSASSA-PKCS1-v1_5 signature over a precomputed `digest` by the key in `slot`: the
    /// padded block is built here and the card does raw RSA (GENERAL AUTHENTICATE). `pin`, when
    /// given, is verified in the same transaction (9C needs that before every signature).
    /// `publicKey` is the slot's key; without it the slot's certificate supplies it. The result
    /// is verified with that key before it is returned.
    public func sign(digest: [UInt8], algorithm: DigestAlgorithm = .sha256, slot: PIVSlot, pin: Secret? = nil,
                     publicKey: RSAPublicKey? = nil) async throws(TokenError) -> [UInt8] {
        guard digest.count == algorithm.length else {
            throw .invalidInput("a \(algorithm.rawValue) digest has \(algorithm.length) bytes, not \(digest.count)")
        }
        return try await operation { session throws(TokenError) in
            try await session.sign(digest: digest, algorithm: algorithm, slot: slot, pin: pin, publicKey: publicKey)
        }
    }

    /// A PKCS#10 request for the key in `slot` (whose public half is `publicKey`, as GENERATE
    /// returned it) with `subject` (`CN=…, O=…`), signed by the card with SHA-256. The request is
    /// checked against `publicKey` before it is returned: a slot holding another key fails.
    public func certificateSigningRequest(slot: PIVSlot, subject: String, publicKey: RSAPublicKey,
                                          pin: Secret? = nil) async throws(TokenError) -> CertificateSigningRequest {
        let info: [UInt8]
        do { info = try CertificateSigningRequest.certificationRequestInfo(subject: subject, publicKey: publicKey) }
        catch { throw .invalidInput("subject \"\(subject)\": \(error)") }
        let digest = DigestAlgorithm.sha256.hash(info)
        return try await operation { session throws(TokenError) in
            let signature = try await session.sign(digest: digest, algorithm: .sha256, slot: slot, pin: pin, publicKey: publicKey)
            do { return try CertificateSigningRequest(certificationRequestInfo: info, signature: signature) }
            catch { throw .malformedResponse("the request the token signed does not verify: \(error)") }
        }
    }
}

extension PIVSession {
    func sign(digest: [UInt8], algorithm: DigestAlgorithm, slot: PIVSlot, pin: Secret?,
              publicKey: RSAPublicKey?) async throws(TokenError) -> [UInt8] {
        let key: RSAPublicKey
        if let publicKey {
            key = publicKey
        } else if let certificate = try await certificate(slot) {
            key = certificate.publicKey
        } else {
            throw .notPersonalized(.noCertificate)
        }
        guard let keyAlgorithm = KeyAlgorithm(bits: key.bitCount) else {
            throw .invalidInput("a \(key.bitCount)-bit key is not a PIV RSA key")
        }
        guard let block = algorithm.pkcs1SignatureBlock(digest: digest, length: keyAlgorithm.modulusLength) else {
            throw .invalidInput("a \(algorithm.rawValue) digest has \(algorithm.length) bytes, not \(digest.count)")
        }
        if let pin { try await verify(pin) }
        let signature = try await rawRSA(slot, keyAlgorithm, block: block)
        guard key.verify(signature: signature, digest: digest, algorithm: algorithm) else {
            throw .malformedResponse("the signature from slot \(slot.hex) does not verify with its public key")
        }
        return signature
    }
}
