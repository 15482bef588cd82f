/// The answer to FEATURE_GET_TLV_PROPERTIES (PC/SC part 10 §2.6.14): the reader's display, PIN
/// entry and identity, one TLV per property.
///
/// ```
/// tag (1: PCSCv2_PART10_PROPERTY_*)  length (1)  value (little-endian; a string for sFirmwareID)
/// ```
///
/// Numbers have a fixed width (w: 2 bytes, b: 1, dw: 4); a property of the wrong length or one
/// given twice does not parse. Tags this type does not name are kept in ``other``.
public struct PCSCTLVProperties: Hashable, Sendable {
    /// The part 10 tags (PCSCv2_PART10_PROPERTY_* in pcsc-lite's reader.h).
    public enum Tag: UInt8, CaseIterable, Sendable {
        case wLcdLayout = 1, bEntryValidationCondition, bTimeOut2, wLcdMaxCharacters, wLcdMaxLines,
             bMinPINSize, bMaxPINSize, sFirmwareID, bPPDUSupport, dwMaxAPDUDataSize, wIdVendor, wIdProduct

        /// The value's width in bytes; `nil` for the string.
        var width: Int? {
            switch self {
            case .sFirmwareID: return nil
            case .dwMaxAPDUDataSize: return 4
            case .wLcdLayout, .wLcdMaxCharacters, .wLcdMaxLines, .wIdVendor, .wIdProduct: return 2
            default: return 1
            }
        }
    }

    /// The display: lines in the high byte, characters per line in the low byte (0x0410: 4 × 16).
    public var wLcdLayout: UInt16?
    public var bEntryValidationCondition: UInt8?
    public var bTimeOut2: UInt8?
    public var wLcdMaxCharacters: UInt16?
    public var wLcdMaxLines: UInt16?
    public var bMinPINSize: UInt8?
    public var bMaxPINSize: UInt8?
    /// The reader's firmware, free text.
    public var sFirmwareID: String?
    public var bPPDUSupport: UInt8?
    /// The largest APDU data field the reader passes on; 0 for short APDUs only.
    public var dwMaxAPDUDataSize: UInt32?
    /// The USB vendor id.
    public var wIdVendor: UInt16?
    /// The USB product id.
    public var wIdProduct: UInt16?
    /// Properties with tags that part 10 does not define here, by tag.
    public var other: [UInt8: [UInt8]] = [:]

    public init() {}

    /// Parses the reader's bytes.
    public init(parsing bytes: [UInt8]) throws(Part10ParseError) {
        var seen = Set<UInt8>()
        var offset = 0
        while offset < bytes.count {
            guard offset + 2 <= bytes.count else { throw Part10ParseError("truncated property header", at: offset) }
            let tag = bytes[offset], length = Int(bytes[offset + 1])
            guard offset + 2 + length <= bytes.count else {
                throw Part10ParseError("property \(tag) needs \(length) bytes", at: offset + 2)
            }
            guard seen.insert(tag).inserted else { throw Part10ParseError("property \(tag) given twice", at: offset) }
            let value = Array(bytes[(offset + 2)..<(offset + 2 + length)])
            if let known = Tag(rawValue: tag) {
                if let width = known.width, width != length {
                    throw Part10ParseError("property \(known) has \(length) bytes, not \(width)", at: offset + 1)
                }
                set(known, value)
            } else {
                other[tag] = value
            }
            offset += 2 + length
        }
    }

    /// The bytes a reader sends for these properties, in tag order.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        for tag in Tag.allCases {
            guard let value = value(tag) else { continue }
            out += [tag.rawValue, UInt8(truncatingIfNeeded: value.count)] + value
        }
        for (tag, value) in other.sorted(by: { $0.key < $1.key }) {
            out += [tag, UInt8(truncatingIfNeeded: value.count)] + value
        }
        return out
    }

    /// The encoded value of `tag`, if set.
    public func value(_ tag: Tag) -> [UInt8]? {
        switch tag {
        case .wLcdLayout: return wLcdLayout.map { Self.le($0) }
        case .bEntryValidationCondition: return bEntryValidationCondition.map { [$0] }
        case .bTimeOut2: return bTimeOut2.map { [$0] }
        case .wLcdMaxCharacters: return wLcdMaxCharacters.map { Self.le($0) }
        case .wLcdMaxLines: return wLcdMaxLines.map { Self.le($0) }
        case .bMinPINSize: return bMinPINSize.map { [$0] }
        case .bMaxPINSize: return bMaxPINSize.map { [$0] }
        case .sFirmwareID: return sFirmwareID.map { Array($0.utf8.prefix(255)) }
        case .bPPDUSupport: return bPPDUSupport.map { [$0] }
        case .dwMaxAPDUDataSize: return dwMaxAPDUDataSize.map { Self.le($0) }
        case .wIdVendor: return wIdVendor.map { Self.le($0) }
        case .wIdProduct: return wIdProduct.map { Self.le($0) }
        }
    }

    /// Stores a value whose width has been checked.
    private mutating func set(_ tag: Tag, _ value: [UInt8]) {
        let number = value.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        switch tag {
        case .wLcdLayout: wLcdLayout = UInt16(truncatingIfNeeded: number)
        case .bEntryValidationCondition: bEntryValidationCondition = value[0]
        case .bTimeOut2: bTimeOut2 = value[0]
        case .wLcdMaxCharacters: wLcdMaxCharacters = UInt16(truncatingIfNeeded: number)
        case .wLcdMaxLines: wLcdMaxLines = UInt16(truncatingIfNeeded: number)
        case .bMinPINSize: bMinPINSize = value[0]
        case .bMaxPINSize: bMaxPINSize = value[0]
        case .sFirmwareID: sFirmwareID = String(decoding: value, as: UTF8.self)
        case .bPPDUSupport: bPPDUSupport = value[0]
        case .dwMaxAPDUDataSize: dwMaxAPDUDataSize = number
        case .wIdVendor: wIdVendor = UInt16(truncatingIfNeeded: number)
        case .wIdProduct: wIdProduct = UInt16(truncatingIfNeeded: number)
        }
    }

    private static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
}
