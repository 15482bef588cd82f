/// The card's state as SCardStatus reports it (SCARD_UNKNOWN … SCARD_SPECIFIC, pcsclite.h).
public struct PCSCCardState: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt

    public init(rawValue: UInt) { self.rawValue = rawValue }

    /// SCARD_UNKNOWN: the state is not known.
    public static let unknown = PCSCCardState(rawValue: 0x0001)
    /// SCARD_ABSENT: no card in the reader.
    public static let absent = PCSCCardState(rawValue: 0x0002)
    /// SCARD_PRESENT: a card is in the reader.
    public static let present = PCSCCardState(rawValue: 0x0004)
    /// SCARD_SWALLOWED: the card is in position but not powered.
    public static let swallowed = PCSCCardState(rawValue: 0x0008)
    /// SCARD_POWERED: the card is powered.
    public static let powered = PCSCCardState(rawValue: 0x0010)
    /// SCARD_NEGOTIABLE: the card awaits a PTS.
    public static let negotiable = PCSCCardState(rawValue: 0x0020)
    /// SCARD_SPECIFIC: a protocol has been set.
    public static let specific = PCSCCardState(rawValue: 0x0040)

    /// "present|powered|specific".
    public var description: String {
        let names: [(PCSCCardState, String)] = [(.unknown, "unknown"), (.absent, "absent"), (.present, "present"),
                                                (.swallowed, "swallowed"), (.powered, "powered"),
                                                (.negotiable, "negotiable"), (.specific, "specific")]
        let set = names.filter { contains($0.0) }.map(\.1)
        return set.isEmpty ? "none" : set.joined(separator: "|")
    }
}
