import CardOS
import ISO7816

/// The certification request the card builds itself (`80 50 00 kk`, kk 01 transfer or 02
/// authentication), PKCS#10 (RFC 2986 §4):
///
///     CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature BIT STRING }
///     CertificationRequestInfo ::= SEQUENCE { version INTEGER (0), subject Name,
///                                             subjectPKInfo SubjectPublicKeyInfo, attributes [0] {} }
///
/// The host sends only the subject, a DER `Name` without a serialNumber attribute; the card adds
/// `serialNumber` (its serial in 16 upper-case hex digits), its own public key, and signs. So
/// the transfer key signs only bytes the card assembled: a CertificationRequestInfo (first byte
/// 30) or a DTBS it showed (first byte 70) — never a digest the host chose.
extension BankingApplet {
    /// The largest subject `Name` the card takes.
    static var maxSubjectSize: Int { 512 }

    func certificationRequest(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        guard command.p1 == 0x00, let key = BankingKey(rawValue: command.p2), key != .decryption else { throw .wrongP1P2 }
        guard !command.data.isEmpty, command.data.count <= BankingApplet.maxSubjectSize else { throw .wrongLength }
        let rdns = try BankingApplet.relativeDistinguishedNames(command.data)
        try requirePersonalizedPIN()
        let record = try requireKey(key)
        let info = BankingApplet.certificationRequestInfo(subject: rdns + [BankingApplet.serialNumberRDN(serial)],
                                                          modulus: record.modulus, exponent: record.exponent)
        let signature = try sign(DigestInfo.sha256(platform.crypto.sha256(info.bytes)), with: record)
        return TLV(tag: 0x30, children: [
            info,
            TLV(tag: 0x30, children: [TLV(tag: 0x06, value: BankingApplet.sha256WithRSAEncryption), TLV(tag: 0x05, value: [])]),
            TLV(tag: 0x03, value: [0x00] + signature),
        ]).bytes
    }

    /// `id-at-serialNumber` (2.5.4.5).
    static var serialNumberOID: [UInt8] { [0x55, 0x04, 0x05] }
    /// `sha256WithRSAEncryption` (1.2.840.113549.1.1.11).
    static var sha256WithRSAEncryption: [UInt8] { [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B] }

    /// The RDNs of a DER `Name` (`SEQUENCE OF SET OF SEQUENCE { OID, string }`): UTF8String,
    /// PrintableString or IA5String values, never a serialNumber (the card adds its own). 6A80
    /// otherwise.
    static func relativeDistinguishedNames(_ der: [UInt8]) throws(StatusWord) -> [TLV] {
        guard let name = try? TLV(parsing: der), name.tag == 0x30, let rdns = try? name.children() else { throw .wrongData }
        for rdn in rdns {
            guard rdn.tag == 0x31, let attributes = try? rdn.children(), !attributes.isEmpty else { throw .wrongData }
            for attribute in attributes {
                guard attribute.tag == 0x30, let parts = try? attribute.children(), parts.count == 2,
                      parts[0].tag == 0x06, !parts[0].value.isEmpty, parts[0].value != serialNumberOID,
                      [0x0C, 0x13, 0x16].contains(parts[1].tag.rawValue), !parts[1].value.isEmpty
                else { throw .wrongData }
            }
        }
        return rdns
    }

    /// `SET { SEQUENCE { serialNumber, PrintableString HEX } }`.
    static func serialNumberRDN(_ serial: [UInt8]) -> TLV {
        var hex: [UInt8] = []
        for byte in serial { hex += [hexDigit(byte >> 4), hexDigit(byte & 0x0F)] }
        return TLV(tag: 0x31, children: [TLV(tag: 0x30, children: [TLV(tag: 0x06, value: serialNumberOID),
                                                                   TLV(tag: 0x13, value: hex)])])
    }

    static func certificationRequestInfo(subject rdns: [TLV], modulus: [UInt8], exponent: [UInt8]) -> TLV {
        let rsaEncryption: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
        let publicKey = TLV(tag: 0x30, children: [TLV(tag: 0x02, value: derInteger(modulus)),
                                                  TLV(tag: 0x02, value: derInteger(exponent))])
        let subjectPublicKeyInfo = TLV(tag: 0x30, children: [
            TLV(tag: 0x30, children: [TLV(tag: 0x06, value: rsaEncryption), TLV(tag: 0x05, value: [])]),
            TLV(tag: 0x03, value: [0x00] + publicKey.bytes),
        ])
        return TLV(tag: 0x30, children: [
            TLV(tag: 0x02, value: [0x00]),
            TLV(tag: 0x30, children: rdns),
            subjectPublicKeyInfo,
            TLV(tag: 0xA0, value: []),
        ])
    }

    /// The content octets of a non-negative DER INTEGER holding `magnitude`.
    static func derInteger(_ magnitude: [UInt8]) -> [UInt8] {
        let trimmed = Array(magnitude.drop(while: { $0 == 0 }))
        guard let first = trimmed.first else { return [0x00] }
        return first & 0x80 != 0 ? [0x00] + trimmed : trimmed
    }
}
