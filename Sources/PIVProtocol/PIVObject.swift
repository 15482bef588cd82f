/// The PIV data objects the applet knows, by their GET DATA tag (SP 800-73-4 part 1, table 3).
public enum PIVObject: UInt32, CaseIterable, Sendable {
    /// 7E: the discovery object (AID and PIN usage policy). Written by the card.
    case discovery = 0x7E
    /// 5FC107: card capability container. Written by the card.
    case cardCapabilityContainer = 0x5FC107
    /// 5FC102: card holder unique identifier; its GUID is the token serial. Written by the card.
    case cardHolderUniqueIdentifier = 0x5FC102
    /// 5FC105: the X.509 certificate for slot 9A.
    case authenticationCertificate = 0x5FC105
    /// 5FC10A: the X.509 certificate for slot 9C.
    case signatureCertificate = 0x5FC10A
    /// 5FC10B: the X.509 certificate for slot 9D.
    case keyManagementCertificate = 0x5FC10B
    /// 5FC101: the X.509 certificate for slot 9E.
    case cardAuthenticationCertificate = 0x5FC101

    /// The tag as the `5C` tag list of GET DATA and PUT DATA carries it: 1 or 3 bytes.
    public var tagBytes: [UInt8] {
        rawValue <= 0xFF ? [UInt8(rawValue)]
                         : [UInt8(rawValue >> 16), UInt8(rawValue >> 8 & 0xFF), UInt8(rawValue & 0xFF)]
    }

    /// The object named by a `5C` tag list's value.
    public init?(tagBytes: [UInt8]) {
        guard tagBytes.count == 1 || tagBytes.count == 3 else { return nil }
        self.init(rawValue: tagBytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }

    /// The slot whose certificate this object holds, if it is a certificate.
    public var certificateSlot: PIVSlot? {
        PIVSlot.allCases.first { $0.certificateObject == self }
    }
}
