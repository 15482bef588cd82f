/// A BER-TLV data object (ISO/IEC 7816-4 §6.3, ISO/IEC 8825-1): tag, length, value.
///
///     tag:    1 byte; if its low five bits are all 1, more bytes follow while b8 is set (≤ 4 in all)
///     length: 00–7F one byte; 81 xx; 82 xx xx; 83 xx xx xx; 84 xx xx xx xx
///     value:  `length` bytes; for a constructed tag (b6 of the first tag byte), more TLVs
///
/// Serialisation always uses the shortest length form (DER), so `TLV(parsing:)` of a minimal
/// encoding round-trips byte for byte.
public struct TLV: Hashable, Sendable {
    public var tag: Tag
    public var value: [UInt8]

    public init(tag: Tag, value: [UInt8]) {
        self.tag = tag
        self.value = value
    }

    /// A constructed object holding `children`, encoded one after the other.
    public init(tag: Tag, children: [TLV]) {
        self.tag = tag
        var value: [UInt8] = []
        for child in children { value += child.bytes }
        self.value = value
    }

    /// Parses exactly one object that must span all of `bytes`.
    public init(parsing bytes: some Collection<UInt8>) throws(TLVError) {
        let b = Array(bytes)
        var index = 0
        self = try TLV.parseOne(b, at: &index)
        guard index == b.count else { throw .trailingBytes(offset: index) }
    }

    /// Parses a sequence of objects that fills `bytes`.
    public static func sequence(parsing bytes: some Collection<UInt8>) throws(TLVError) -> [TLV] {
        let b = Array(bytes)
        var index = 0
        var objects: [TLV] = []
        while index < b.count { objects.append(try parseOne(b, at: &index)) }
        return objects
    }

    /// Parses one object starting at `index` and moves `index` past it.
    public static func parseOne(_ b: [UInt8], at index: inout Int) throws(TLVError) -> TLV {
        let start = index
        let tag = try Tag.parse(b, at: &index)
        guard index < b.count else { throw .truncated(offset: start) }
        let first = b[index]
        index += 1
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else if first == 0x80 {
            throw .indefiniteLength(offset: index - 1)
        } else {
            let count = Int(first & 0x7F)
            guard count <= 4 else { throw .unsupportedLength(offset: index - 1) }
            guard index + count <= b.count else { throw .truncated(offset: start) }
            for _ in 0..<count {
                length = length << 8 | Int(b[index])
                index += 1
            }
        }
        // On a 32-bit target four length bytes can wrap to a negative Int: no input that long exists.
        guard length >= 0, length <= b.count - index else { throw .truncated(offset: start) }
        let value = Array(b[index..<index + length])
        index += length
        return TLV(tag: tag, value: value)
    }

    /// The children of a constructed object.
    public func children() throws(TLVError) -> [TLV] {
        try TLV.sequence(parsing: value)
    }

    /// The encoded object: tag, minimal length, value.
    public var bytes: [UInt8] {
        tag.bytes + TLV.encodeLength(value.count) + value
    }

    /// The shortest BER length field for `length`.
    public static func encodeLength(_ length: Int) -> [UInt8] {
        if length < 0x80 { return [UInt8(length)] }
        var digits: [UInt8] = []
        var rest = length
        while rest > 0 {
            digits.insert(UInt8(rest & 0xFF), at: 0)
            rest >>= 8
        }
        return [0x80 | UInt8(digits.count)] + digits
    }
}

extension Array where Element == TLV {
    /// The first object with `tag`, if any.
    public func first(_ tag: Tag) -> TLV? {
        first { $0.tag == tag }
    }
}

/// Why bytes are not BER-TLV.
public enum TLVError: Error, Hashable, Sendable {
    /// The object starting at `offset` runs past the end of the input.
    case truncated(offset: Int)
    /// A tag of more than four bytes, or with a non-minimal first subsequent byte.
    case invalidTag(offset: Int)
    /// The 80 length byte: indefinite lengths are not allowed in ISO 7816 data objects.
    case indefiniteLength(offset: Int)
    /// A length field of more than four bytes.
    case unsupportedLength(offset: Int)
    /// Bytes follow the single object that was expected.
    case trailingBytes(offset: Int)
    /// Well-formed BER-TLV, but the object with `tag` is not where it must be (``TLV/required(_:)``,
    /// ``TLV/child(_:)``).
    case missing(tag: Tag)
}
