import ISO7816

/// Reads the RSA public key out of a DER X.509 certificate (RFC 5280 §4.1):
///
///     Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
///     tbsCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer,
///                                   validity, subject, subjectPublicKeyInfo, … }
///     subjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier (rsaEncryption), BIT STRING }
///     RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
///
/// Enough to check that a certificate belongs to the card's key; the card does not verify
/// signatures on certificates (the bank does).
enum CertificateKey {
    static let rsaEncryption: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]

    /// (n, e) without leading zero bytes, or `nil` if this is not a certificate for an RSA key.
    static func rsaPublicKey(in der: [UInt8]) -> (modulus: [UInt8], exponent: [UInt8])? {
        guard let certificate = try? TLV(parsing: der), certificate.tag == 0x30,
              let parts = try? certificate.children(), parts.count == 3, parts[0].tag == 0x30,
              let tbs = try? parts[0].children()
        else { return nil }
        let offset = tbs.first?.tag == 0xA0 ? 1 : 0
        guard tbs.count > offset + 5 else { return nil }
        let info = tbs[offset + 5]
        guard info.tag == 0x30, let infoParts = try? info.children(), infoParts.count == 2,
              infoParts[0].tag == 0x30, let algorithm = try? infoParts[0].children(),
              algorithm.first?.tag == 0x06, algorithm.first?.value == rsaEncryption,
              infoParts[1].tag == 0x03, infoParts[1].value.first == 0x00,
              let key = try? TLV(parsing: infoParts[1].value.dropFirst()), key.tag == 0x30,
              let numbers = try? key.children(), numbers.count == 2,
              numbers[0].tag == 0x02, numbers[1].tag == 0x02
        else { return nil }
        return (unsignedMagnitude(numbers[0].value), unsignedMagnitude(numbers[1].value))
    }

    /// A DER INTEGER's bytes without the leading zeros.
    static func unsignedMagnitude(_ integer: [UInt8]) -> [UInt8] {
        Array(integer.drop(while: { $0 == 0 }))
    }
}
