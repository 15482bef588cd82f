import ISO7816
@_exported import enum PIVProtocol.PIVSlot

/// What the host adds to the PIV slot the applet and the host share (`Sources/PIVProtocol`):
/// its hex reference, its name in SP 800-73-4, and JSON.
///
/// Slot rules of the UKey applet: 9A and 9D need the PIN verified once since reset, 9C needs a
/// VERIFY before every signature, 9E never needs the PIN.
extension PIVSlot: Codable, CustomStringConvertible {
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
}
