/// The low 16 bits of SCARD_READERSTATE's dwCurrentState / dwEventState (SCARD_STATE_*): what
/// the application believes, and what the resource manager reports. pcsc-lite keeps a per-reader
/// event counter in the high 16 bits; ``PCSCReaderState`` carries it separately.
public struct PCSCReaderStateFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt

    public init(rawValue: UInt) { self.rawValue = rawValue & 0xFFFF }

    /// SCARD_STATE_UNAWARE (no bit): the application knows nothing; the call returns at once.
    public static let unaware: PCSCReaderStateFlags = []
    /// SCARD_STATE_IGNORE: skip this reader.
    public static let ignore = PCSCReaderStateFlags(rawValue: 0x0001)
    /// SCARD_STATE_CHANGED: the state differs from what the application passed in.
    public static let changed = PCSCReaderStateFlags(rawValue: 0x0002)
    /// SCARD_STATE_UNKNOWN: the reader name is not recognised (the reader is gone).
    public static let unknown = PCSCReaderStateFlags(rawValue: 0x0004)
    /// SCARD_STATE_UNAVAILABLE: the reader's state is not available.
    public static let unavailable = PCSCReaderStateFlags(rawValue: 0x0008)
    /// SCARD_STATE_EMPTY: no card in the reader.
    public static let empty = PCSCReaderStateFlags(rawValue: 0x0010)
    /// SCARD_STATE_PRESENT: a card is in the reader.
    public static let present = PCSCReaderStateFlags(rawValue: 0x0020)
    /// SCARD_STATE_ATRMATCH: the card's ATR matches a given one.
    public static let atrMatch = PCSCReaderStateFlags(rawValue: 0x0040)
    /// SCARD_STATE_EXCLUSIVE: another application holds the card exclusively.
    public static let exclusive = PCSCReaderStateFlags(rawValue: 0x0080)
    /// SCARD_STATE_INUSE: other applications are connected in shared mode.
    public static let inUse = PCSCReaderStateFlags(rawValue: 0x0100)
    /// SCARD_STATE_MUTE: the card does not answer.
    public static let mute = PCSCReaderStateFlags(rawValue: 0x0200)
    /// SCARD_STATE_UNPOWERED: the card is not powered.
    public static let unpowered = PCSCReaderStateFlags(rawValue: 0x0400)

    /// "present|inUse", or "unaware".
    public var description: String {
        let names: [(PCSCReaderStateFlags, String)] = [
            (.ignore, "ignore"), (.changed, "changed"), (.unknown, "unknown"), (.unavailable, "unavailable"),
            (.empty, "empty"), (.present, "present"), (.atrMatch, "atrMatch"), (.exclusive, "exclusive"),
            (.inUse, "inUse"), (.mute, "mute"), (.unpowered, "unpowered"),
        ]
        let set = names.filter { contains($0.0) }.map(\.1)
        return set.isEmpty ? "unaware" : set.joined(separator: "|")
    }
}
