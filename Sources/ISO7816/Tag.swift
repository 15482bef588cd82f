/// A BER tag of one to four bytes, kept as the big-endian number of its bytes (`0x7F49`).
public struct Tag: RawRepresentable, Hashable, Sendable, ExpressibleByIntegerLiteral {
    public var rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public init(integerLiteral value: UInt32) { rawValue = value }

    /// The tag's bytes, without leading zero bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        var rest = rawValue
        repeat {
            out.insert(UInt8(rest & 0xFF), at: 0)
            rest >>= 8
        } while rest > 0
        return out
    }

    /// b6 of the first byte: the value is a sequence of TLVs.
    public var isConstructed: Bool { bytes[0] & 0x20 != 0 }

    /// b8–b7 of the first byte: 0 universal, 1 application, 2 context-specific, 3 private.
    public var tagClass: UInt8 { bytes[0] >> 6 }

    /// Parses a tag at `index` and moves `index` past it.
    static func parse(_ b: [UInt8], at index: inout Int) throws(TLVError) -> Tag {
        let start = index
        guard index < b.count else { throw .truncated(offset: start) }
        var raw = UInt32(b[index])
        index += 1
        guard raw & 0x1F == 0x1F else { return Tag(raw) }
        var count = 1
        while true {
            guard index < b.count else { throw .truncated(offset: start) }
            let next = b[index]
            if count == 1 && next == 0x80 { throw .invalidTag(offset: start) }
            raw = raw << 8 | UInt32(next)
            index += 1
            count += 1
            if next & 0x80 == 0 { break }
            guard count < 4 else { throw .invalidTag(offset: start) }
        }
        return Tag(raw)
    }
}
