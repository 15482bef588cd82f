import COpenSSL

extension TestRSAKey {
    /// `block^d mod n` with no padding: what a PIV card's GENERAL AUTHENTICATE does with a slot's key.
    func rawRSA(_ block: [UInt8]) -> [UInt8] {
        try! key.sign(block, padding: RSA_NO_PADDING)
    }
}
