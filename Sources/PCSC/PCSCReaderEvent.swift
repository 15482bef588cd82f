/// A change that ``PCSCContext/readerEvents(pollInterval:)`` reports.
public enum PCSCReaderEvent: Hashable, Sendable, CustomStringConvertible {
    /// A reader appeared (also reported for each reader present when the sequence starts).
    case readerAdded(String)
    /// A reader went away (its card, if any, went with it; no separate ``cardRemoved(reader:)``).
    case readerRemoved(String)
    /// A card is in the reader, with its ATR (also reported for each card present at the start).
    case cardInserted(reader: String, atr: [UInt8])
    /// The card left the reader.
    case cardRemoved(reader: String)

    /// The reader the event is about.
    public var reader: String {
        switch self {
        case .readerAdded(let reader), .readerRemoved(let reader), .cardInserted(let reader, _), .cardRemoved(let reader):
            return reader
        }
    }

    public var description: String {
        switch self {
        case .readerAdded(let reader): return "reader added: \(reader)"
        case .readerRemoved(let reader): return "reader removed: \(reader)"
        case .cardInserted(let reader, let atr):
            return "card inserted: \(reader), ATR " + atr.map { String($0, radix: 16, uppercase: true) }
                .map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        case .cardRemoved(let reader): return "card removed: \(reader)"
        }
    }
}
