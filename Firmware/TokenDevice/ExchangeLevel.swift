/// How the host exchanges data with the card (CCID dwFeatures).
public enum ExchangeLevel: Sendable, Equatable {
    /// Short and extended APDUs in XfrBlock (dwFeatures 0x00040000).
    case extendedAPDU
    /// T=1 blocks in XfrBlock (dwFeatures 0x00010000); the device runs T=1 itself.
    case tpdu
}
