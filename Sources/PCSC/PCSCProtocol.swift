import CPCSCLite

/// Card protocols (SCARD_PROTOCOL_*): a set when asking for protocols, one member (or none, in
/// direct mode) for the protocol a connection uses.
public struct PCSCProtocol: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt

    public init(rawValue: UInt) { self.rawValue = rawValue }

    /// SCARD_PROTOCOL_T0.
    public static let t0 = PCSCProtocol(rawValue: 0x0001)
    /// SCARD_PROTOCOL_T1.
    public static let t1 = PCSCProtocol(rawValue: 0x0002)
    /// SCARD_PROTOCOL_RAW: the reader's raw protocol.
    public static let raw = PCSCProtocol(rawValue: 0x0004)
    /// SCARD_PROTOCOL_T15.
    public static let t15 = PCSCProtocol(rawValue: 0x0008)
    /// SCARD_PROTOCOL_ANY: T=0 or T=1, whichever the card and reader agree on.
    public static let any: PCSCProtocol = [.t0, .t1]

    /// "T=1", "T=0|T=1", or "undefined" for the empty set (SCARD_PROTOCOL_UNDEFINED).
    public var description: String {
        let names = [(PCSCProtocol.t0, "T=0"), (.t1, "T=1"), (.raw, "raw"), (.t15, "T=15")]
            .filter { contains($0.0) }.map(\.1)
        return names.isEmpty ? "undefined" : names.joined(separator: "|")
    }

    /// The protocol control information SCardTransmit needs for this protocol: a copy of the C
    /// global g_rgSCardT0Pci, g_rgSCardT1Pci or g_rgSCardRawPci (the SCARD_PCI_* macros do not
    /// import into Swift). libpcsclite reads it only during the call.
    var sendPCI: SCARD_IO_REQUEST? {
        switch self {
        case .t0: return g_rgSCardT0Pci
        case .t1: return g_rgSCardT1Pci
        case .raw: return g_rgSCardRawPci
        default: return nil
        }
    }
}
