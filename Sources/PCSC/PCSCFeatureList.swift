/// The answer to CM_IOCTL_GET_FEATURE_REQUEST (PC/SC part 10 §2.2): one PCSC_TLV_STRUCTURE per
/// feature the reader offers.
///
/// ```
/// tag (1: FEATURE_*)  length (1: always 4)  value (4: the control code, big-endian)
/// ```
public struct PCSCFeatureList: Hashable, Sendable {
    /// One feature and the control code that invokes it.
    public struct Entry: Hashable, Sendable {
        public var feature: PCSCFeature
        public var controlCode: UInt32

        public init(feature: PCSCFeature, controlCode: UInt32) {
            self.feature = feature
            self.controlCode = controlCode
        }
    }

    /// The features in the reader's order.
    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// Each feature's control code (the first, should a reader list one twice).
    public var controlCodes: [PCSCFeature: UInt32] {
        Dictionary(entries.map { ($0.feature, $0.controlCode) }, uniquingKeysWith: { first, _ in first })
    }

    /// Parses the reader's bytes; every TLV must be complete and 4 bytes long.
    public init(parsing bytes: [UInt8]) throws(Part10ParseError) {
        var entries: [Entry] = []
        var offset = 0
        while offset < bytes.count {
            guard offset + 2 <= bytes.count else { throw Part10ParseError("truncated feature header", at: offset) }
            guard bytes[offset + 1] == 4 else {
                throw Part10ParseError("feature length \(bytes[offset + 1]), not 4", at: offset + 1)
            }
            guard offset + 6 <= bytes.count else { throw Part10ParseError("truncated control code", at: offset + 2) }
            let code = bytes[(offset + 2)..<(offset + 6)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            entries.append(Entry(feature: PCSCFeature(rawValue: bytes[offset]), controlCode: code))
            offset += 6
        }
        self.entries = entries
    }

    /// The bytes a reader sends for these entries.
    public var bytes: [UInt8] {
        entries.flatMap { entry in
            [entry.feature.rawValue, 4] + (0..<4).reversed().map { UInt8(truncatingIfNeeded: entry.controlCode >> ($0 * 8)) }
        }
    }
}
