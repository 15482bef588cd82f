import COpenSSL

/// Why a key, certificate or CA operation of UKey's OpenSSL helpers (public key infrastructure) failed.
///
/// OpenSSL failures carry the libcrypto function that failed and the first reason on its error
/// queue (`ERR_get_error`), so a caller can look the code up; the queue is cleared afterwards.
public enum PKIError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Input bytes or text are not the encoding they claim to be (7F49 object, DER, PEM, subject).
    case invalidEncoding(String)
    /// An input that is well encoded but not acceptable (a profile's names, a validity, a
    /// signature that does not verify, a key that does not belong to its certificate): the
    /// message says what, with no "invalid encoding" prefix.
    case invalidInput(String)
    /// A key that UKey does not handle (not RSA, zero modulus, …).
    case unsupportedKey(String)
    /// A libcrypto call failed: `function` names it, `code` is `ERR_get_error()` (0 if none).
    case openSSL(function: String, code: UInt, reason: String)
    /// Reading or writing a file failed with `errno`.
    case file(path: String, errno: Int32)
    /// The CA refuses to certify: the key or the profile is not one it certifies this way
    /// (a transfer CSR for another key than the one recorded from the card, a CSR for a
    /// decryption key).
    case notCertified(String)

    public var description: String {
        switch self {
        case .invalidEncoding(let message): return "invalid encoding: \(message)"
        case .invalidInput(let message): return message
        case .unsupportedKey(let message): return "unsupported key: \(message)"
        case .openSSL(let function, let code, let reason):
            return "\(function) failed (OpenSSL error \(String(code, radix: 16)): \(reason))"
        case .file(let path, let errno): return "\(path): \(String(cString: strerror(errno)).lowercased())"
        case .notCertified(let reason): return "not certified: \(reason)"
        }
    }

    /// The failure of `function`, with the oldest error on this thread's OpenSSL queue; clears the queue.
    package static func openSSL(_ function: String) -> PKIError {
        let code = ERR_get_error()
        var buffer = [CChar](repeating: 0, count: 256)
        if code != 0 { ERR_error_string_n(code, &buffer, buffer.count) }
        ERR_clear_error()
        let reason = code == 0 ? "no reason recorded" : String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return .openSSL(function: function, code: UInt(code), reason: reason)
    }
}
