import COpenSSL
import ISO7816

/// The PIV card management key (key reference 9B): a 24-byte 3DES key that authorizes
/// GENERATE and PUT DATA through mutual authentication (SP 800-73-4 part 2, appendix A.1).
///
/// Like ``Secret`` it prints as dots and never as its bytes. The 3DES operations are libcrypto's
/// `EVP_des_ede3_ecb` on single 8-byte blocks, no padding: the witness and the challenge.
public struct PIVManagementKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// K1 K2 K3, 8 bytes each.
    let bytes: [UInt8]

    /// A key of exactly 24 bytes.
    public init(bytes: [UInt8]) throws(TokenError) {
        guard bytes.count == 24 else { throw .invalidInput("a PIV management key has 24 bytes") }
        self.bytes = bytes
    }

    /// A key from 48 hex digits (spaces and colons ignored), as `UKEY_PIV_MGMKEY` holds it. The
    /// error never repeats the text.
    public init(hex secret: Secret) throws(TokenError) {
        let digits = secret.bytes.filter { $0 != 0x20 && $0 != 0x3A && $0 != 0x0A && $0 != 0x0D }
        guard digits.count == 48 else { throw .invalidInput("a PIV management key is 48 hex digits") }
        var key: [UInt8] = []
        key.reserveCapacity(24)
        for index in stride(from: 0, to: 48, by: 2) {
            guard let high = hexNibble(digits[index]), let low = hexNibble(digits[index + 1]) else {
                throw .invalidInput("a PIV management key is 48 hex digits")
            }
            key.append(high << 4 | low)
        }
        try self.init(bytes: key)
    }

    public var description: String { String(repeating: "•", count: 8) }
    public var debugDescription: String { "PIVManagementKey(\(description))" }

    /// 3DES-ECB encryption of one 8-byte block (the host's side of the 9B authentication).
    public func encrypt(_ block: [UInt8]) throws(TokenError) -> [UInt8] {
        try cipher(block, encrypt: true)
    }

    /// 3DES-ECB decryption of one 8-byte block.
    public func decrypt(_ block: [UInt8]) throws(TokenError) -> [UInt8] {
        try cipher(block, encrypt: false)
    }

    /// `EVP_CipherInit_ex(EVP_des_ede3_ecb())` with padding off, one update, one final.
    private func cipher(_ block: [UInt8], encrypt: Bool) throws(TokenError) -> [UInt8] {
        guard block.count == 8 else { throw .malformedResponse("a 3DES block has 8 bytes, not \(block.count)") }
        guard let context = EVP_CIPHER_CTX_new() else { throw .transport("EVP_CIPHER_CTX_new failed") }
        defer {
            EVP_CIPHER_CTX_free(context)
            ERR_clear_error()
        }
        var output = [UInt8](repeating: 0, count: 16)
        var written: Int32 = 0
        var final: Int32 = 0
        let ok = EVP_CipherInit_ex(context, EVP_des_ede3_ecb(), nil, bytes, nil, encrypt ? 1 : 0) == 1
            && EVP_CIPHER_CTX_set_padding(context, 0) == 1
            && EVP_CipherUpdate(context, &output, &written, block, 8) == 1
            && output.withUnsafeMutableBufferPointer({ EVP_CipherFinal_ex(context, $0.baseAddress! + Int(written), &final) }) == 1
        guard ok, written + final == 8 else { throw .transport("3DES (EVP_des_ede3_ecb) failed in libcrypto") }
        return Array(output.prefix(8))
    }
}
