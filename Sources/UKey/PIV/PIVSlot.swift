import ISO7816

/// A PIV key slot (NIST SP 800-73-4 part 1, table 4b) and the certificate object beside it.
///
/// Slot rules of the UKey applet: 9A and 9D need the PIN verified once since reset, 9C needs a
/// VERIFY before every signature, 9E never needs the PIN.
public enum PIVSlot: UInt8, CaseIterable, Codable, Hashable, Sendable, CustomStringConvertible {
    /// PIV Authentication: logging in (TLS client authentication).
    case authentication = 0x9A
    /// Digital Signature.
    case signature = 0x9C
    /// Key Management.
    case keyManagement = 0x9D
    /// Card Authentication: usable without the PIN.
    case cardAuthentication = 0x9E

    /// The slot from its hex key reference, `9a` or `9A` (what stock tools and `--slot` use).
    public init?(hex text: String) {
        guard text.count == 2, let value = UInt8(text, radix: 16), let slot = PIVSlot(rawValue: value) else { return nil }
        self = slot
    }

    /// `9A`.
    public var hex: String { hexByte(rawValue) }

    public var description: String { "\(hex) (\(name))" }

    /// The slot's name in SP 800-73-4.
    public var name: String {
        switch self {
        case .authentication: return "PIV Authentication"
        case .signature: return "Digital Signature"
        case .keyManagement: return "Key Management"
        case .cardAuthentication: return "Card Authentication"
        }
    }

    /// The tag of the slot's certificate object, `5FC1xx` (SP 800-73-4 part 1, table 3).
    public var certificateTag: [UInt8] {
        switch self {
        case .authentication: return [0x5F, 0xC1, 0x05]
        case .signature: return [0x5F, 0xC1, 0x0A]
        case .keyManagement: return [0x5F, 0xC1, 0x0B]
        case .cardAuthentication: return [0x5F, 0xC1, 0x01]
        }
    }

    /// Whether the slot's key works only after a VERIFY (all but 9E).
    public var needsPIN: Bool { self != .cardAuthentication }
}
