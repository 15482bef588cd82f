import COpenSSL

extension TestRSAKey {
    /// `block^d mod n` with no padding (`EVP_PKEY_sign`, `RSA_NO_PADDING`): what a PIV card's
    /// GENERAL AUTHENTICATE does with a slot's key.
    func rawRSA(_ block: [UInt8]) -> [UInt8] {
        let context = EVP_PKEY_CTX_new(pointer, nil)
        defer { EVP_PKEY_CTX_free(context) }
        precondition(EVP_PKEY_sign_init(context) == 1)
        precondition(EVP_PKEY_CTX_set_rsa_padding(context, RSA_NO_PADDING) == 1)
        var length = 0
        precondition(EVP_PKEY_sign(context, nil, &length, block, block.count) == 1)
        var result = [UInt8](repeating: 0, count: length)
        precondition(EVP_PKEY_sign(context, &result, &length, block, block.count) == 1)
        return Array(result.prefix(length))
    }
}
