import UKey
import COpenSSL
import Foundation

/// A token certificate that chained to one of the bank's CAs, reduced to what checking a
/// signed transfer needs: the key, the subject and its `serialNumber`, and the interval in
/// which the whole chain is valid (so a cached result is re-checked once time leaves it).
struct TrustedCertificate: Sendable {
    /// The certified RSA key.
    let key: EVPKey
    /// `CN=…, serialNumber=…`.
    let subject: String
    /// The subject's single `serialNumber` attribute (OID 2.5.4.5), or `nil` when it has none
    /// or several.
    let serialNumber: String?
    /// ``serialNumber`` read as hex digits (either case, nothing else), or `nil`.
    let serialBytes: [UInt8]?
    /// The latest notBefore and the earliest notAfter over the chain.
    let validFrom: Date
    let validUntil: Date

    /// Whether the chain's dates cover `date` (RFC 5280 §4.1.2.5: both ends inclusive).
    func isValid(at date: Date) -> Bool {
        validFrom <= date && date <= validUntil
    }

    init(key: EVPKey, subject: String, serialNumber: String?, validFrom: Date, validUntil: Date) {
        self.key = key
        self.subject = subject
        self.serialNumber = serialNumber
        serialBytes = serialNumber.flatMap { text in
            text.utf8.allSatisfy { $0 != 0x20 && $0 != 0x09 && $0 != 0x3A } ? [UInt8](hex: text) : nil
        }
        self.validFrom = validFrom
        self.validUntil = validUntil
    }

    /// Whether the serialNumber attribute, read as hex, is `serial`: the certificate was issued
    /// to the token that signed. Case does not matter; other characters do.
    func isIssued(toSerial serial: [UInt8]) -> Bool {
        serialBytes == serial
    }

    /// Whether `signature` is RSASSA-PKCS1-v1_5 with SHA-256 over `data` by ``key``
    /// (`EVP_DigestVerifyInit` with `EVP_sha256()`, then `EVP_DigestVerify`).
    func verify(signature: [UInt8], data: [UInt8]) -> Bool {
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key.pointer) == 1,
              EVP_DigestVerify(context, signature, signature.count, data, data.count) == 1
        else {
            ERR_clear_error()
            return false
        }
        return true
    }
}
