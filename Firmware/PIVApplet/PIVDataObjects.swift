import ISO7816
import PIVProtocol

/// The data objects the card writes itself, from its serial (SP 800-73-4 part 1, appendix A).
enum PIVDataObjects {
    /// `A0 00 00 03 08 00 00 10 00 01 00`: NIST's RID, the PIV PIX and version 01 00.
    static var applicationID: [UInt8] { PIVWire.aid }

    /// Discovery `7E {4F AID, 5F2F 40 00}`: the PIV PIN is the only card-wide PIN (no global PIN,
    /// no pairing code, no OCC).
    static var discovery: [UInt8] {
        TLV(tag: 0x7E, children: [
            TLV(tag: 0x4F, value: applicationID),
            TLV(tag: 0x5F2F, value: [0x40, 0x00]),
        ]).bytes
    }

    /// The CHUID: FASC-N of agency 9999 (a PIV-compatible, non-federal card; OpenSC then takes the
    /// GUID as the card's serial), GUID = 8 zero bytes then the token serial, expiry
    /// 2099-12-31, an empty signature (no issuer asymmetric signature), error detection code.
    static func cardHolderUniqueIdentifier(serial: [UInt8]) -> [UInt8] {
        var value = TLV(tag: 0x30, value: fascN).bytes
        value += TLV(tag: PIVWire.guidTag, value: guid(serial: serial)).bytes
        value += TLV(tag: 0x35, value: Array("20991231".utf8)).bytes
        value += TLV(tag: 0x3E, value: []).bytes
        value += TLV(tag: 0xFE, value: []).bytes
        return value
    }

    /// The CCC: GSC-IS card identifier (the registered prefix, then the serial), capability
    /// version 21, no applications or extended services, error detection code.
    static func cardCapabilityContainer(serial: [UInt8]) -> [UInt8] {
        let identifier: [UInt8] = [0xA0, 0x00, 0x00, 0x01, 0x16, 0xFF, 0x02] + guid(serial: serial).suffix(14)
        var value = TLV(tag: 0xF0, value: identifier).bytes
        value += TLV(tag: 0xF1, value: [0x21]).bytes
        value += TLV(tag: 0xF2, value: [0x21]).bytes
        value += TLV(tag: 0xF3, value: []).bytes
        value += TLV(tag: 0xF4, value: [0x00]).bytes
        value += TLV(tag: 0xF5, value: [0x10]).bytes
        for tag: UInt32 in [0xF6, 0xF7, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE] { value += TLV(tag: Tag(tag), value: []).bytes }
        return value
    }

    /// The 16-byte GUID: zeros, then the 8-byte token serial. OpenSC shows the GUID's hex as the
    /// PKCS#11 token serial, of which a PKCS#11 token info keeps the last 16 digits: the serial
    /// that `ukey token info` prints.
    static func guid(serial: [UInt8]) -> [UInt8] {
        let tail = Array(serial.prefix(8))
        return [UInt8](repeating: 0, count: 16 - tail.count) + tail
    }

    /// A certificate object's content: `70` (the DER certificate, not empty) first, then only
    /// `71` (certificate info, 1 byte) and `FE` (error detection code), each at most once.
    static func isCertificateContainer(_ value: [UInt8]) -> Bool {
        guard let fields = try? TLV.sequence(parsing: value), let first = fields.first,
              first.tag == PIVWire.CertificateTag.certificate, !first.value.isEmpty else { return false }
        var seen: [Tag] = [PIVWire.CertificateTag.certificate]
        for field in fields.dropFirst() {
            guard field.tag == PIVWire.CertificateTag.info || field.tag == PIVWire.CertificateTag.errorDetectionCode,
                  !seen.contains(field.tag) else { return false }
            if field.tag == PIVWire.CertificateTag.info && field.value.count != 1 { return false }
            seen.append(field.tag)
        }
        return true
    }

    /// The FASC-N with agency code 9999, system 9999, credential 999999 (SP 800-73-4 part 1, §3.1.2).
    static let fascN: [UInt8] = [
        0xD4, 0xE7, 0x39, 0xDA, 0x73, 0x9C, 0xED, 0x39, 0xCE, 0x73, 0x9D, 0x83, 0x68,
        0x58, 0x21, 0x08, 0x42, 0x10, 0x84, 0x21, 0xC8, 0x42, 0x10, 0xC3, 0xEB,
    ]
}
