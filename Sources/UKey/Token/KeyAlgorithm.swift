/// The key GENERATE KEY makes on the card (`80 01 algo`): RSA-1024, the banking default, or RSA-2048.
public enum KeyAlgorithm: String, CaseIterable, Codable, Hashable, Sendable {
    case rsa1024 = "RSA-1024"
    case rsa2048 = "RSA-2048"

    /// The algorithm byte of GENERATE KEY.
    var reference: UInt8 {
        switch self {
        case .rsa1024: return 0x01
        case .rsa2048: return 0x02
        }
    }
}
