import COpenSSL

extension RSAPublicKey {
    /// Parses the first PEM `PUBLIC KEY` block (SubjectPublicKeyInfo, `PEM_read_bio_PUBKEY`):
    /// what ``pem()`` writes and `ukey piv generate --out` saves.
    public init(pem: String) throws(PKIError) {
        let key = MemoryBIO.reading(Array(pem.utf8)) { bio in PEM_read_bio_PUBKEY(bio, nil, nil, nil) }
        guard let key else {
            ERR_clear_error()
            throw .invalidEncoding("no PEM public key")
        }
        try self.init(evpKey: EVPKey(taking: key))
    }
}
