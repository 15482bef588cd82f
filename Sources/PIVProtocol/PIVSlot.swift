/// A PIV key slot (NIST SP 800-73-4 part 1, table 4b) with its certificate object and the rule
/// for when the PIN must have been verified: one type for the applet (`Firmware/PIVApplet`) and
/// the host library (`Sources/UKey/PIV`).
public enum PIVSlot: UInt8, CaseIterable, Hashable, Sendable {
    /// 9A PIV authentication: TLS client login. PIN once per session.
    case authentication = 0x9A
    /// 9C digital signature. PIN before every use.
    case signature = 0x9C
    /// 9D key management (decryption). PIN once per session.
    case keyManagement = 0x9D
    /// 9E card authentication: no PIN (a physical-access key).
    case cardAuthentication = 0x9E

    /// When the PIN must have been verified for the slot's private key.
    public enum PINPolicy: Sendable {
        /// Verified once since the last reset.
        case once
        /// A VERIFY immediately before each use: one VERIFY allows one operation.
        case always
        /// Never needed.
        case never
    }

    public var pinPolicy: PINPolicy {
        switch self {
        case .authentication, .keyManagement: return .once
        case .signature: return .always
        case .cardAuthentication: return .never
        }
    }

    /// The slot's certificate object, `5F C1 xx`.
    public var certificateObject: PIVObject {
        switch self {
        case .authentication: return .authenticationCertificate
        case .signature: return .signatureCertificate
        case .keyManagement: return .keyManagementCertificate
        case .cardAuthentication: return .cardAuthenticationCertificate
        }
    }

    /// The tag of the slot's certificate object as GET DATA's `5C` list carries it, `5FC1xx`.
    public var certificateTag: [UInt8] { certificateObject.tagBytes }

    /// Whether the slot's key works only after a VERIFY (all but 9E).
    public var needsPIN: Bool { pinPolicy != .never }
}
