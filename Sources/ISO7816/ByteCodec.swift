/// The one byte codec of the wire formats (ISO 7816, CCID, USB, USB/IP): a reader that throws
/// on a short read instead of trapping, and writers for big- and little-endian integers.
/// USB and CCID fields are little-endian (USB 2.0 §8.1, CCID rev 1.1 §6); USB/IP headers are
/// big-endian (usbip_protocol.rst).

/// A read past the end: `needed` bytes from the start were wanted, `available` are there.
public struct ByteReadError: Error, Hashable, Sendable {
    public var needed: Int
    public var available: Int

    public init(needed: Int, available: Int) {
        self.needed = needed
        self.available = available
    }
}

/// A cursor over bytes. Every read checks the length first and throws ``ByteReadError`` when
/// the bytes run out, so a parser built on it cannot crash on short input.
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    /// The index of the next byte to read.
    public private(set) var offset: Int

    public init(_ bytes: [UInt8], at offset: Int = 0) {
        self.bytes = bytes
        self.offset = Swift.max(0, offset)
    }

    public init(_ bytes: some Collection<UInt8>) {
        self.init(Array(bytes))
    }

    /// The bytes not read yet.
    public var remaining: Int { Swift.max(0, bytes.count - offset) }
    public var isAtEnd: Bool { remaining == 0 }

    /// Checks that `count` more bytes are there.
    public func require(_ count: Int) throws(ByteReadError) {
        guard count >= 0, count <= remaining else {
            throw ByteReadError(needed: offset + Swift.max(0, count), available: bytes.count)
        }
    }

    public mutating func skip(_ count: Int) throws(ByteReadError) {
        try require(count)
        offset += count
    }

    public mutating func readByte() throws(ByteReadError) -> UInt8 {
        try require(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func readBytes(_ count: Int) throws(ByteReadError) -> [UInt8] {
        try require(count)
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Every byte not read yet.
    public mutating func readRest() -> [UInt8] {
        defer { offset = Swift.max(offset, bytes.count) }
        return offset < bytes.count ? Array(bytes[offset...]) : []
    }

    public mutating func readLE16() throws(ByteReadError) -> UInt16 {
        try require(2)
        defer { offset += 2 }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    public mutating func readLE32() throws(ByteReadError) -> UInt32 {
        try require(4)
        let low = try readLE16()
        return UInt32(low) | UInt32(try readLE16()) << 16
    }

    public mutating func readBE16() throws(ByteReadError) -> UInt16 {
        try require(2)
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    public mutating func readBE32() throws(ByteReadError) -> UInt32 {
        try require(4)
        let high = try readBE16()
        return UInt32(high) << 16 | UInt32(try readBE16())
    }
}

/// Writers: append integers in the byte order of the format being encoded.
extension Array where Element == UInt8 {
    public mutating func appendLE16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
    }

    public mutating func appendLE32(_ value: UInt32) {
        appendLE16(UInt16(truncatingIfNeeded: value))
        appendLE16(UInt16(truncatingIfNeeded: value >> 16))
    }

    public mutating func appendBE16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    public mutating func appendBE32(_ value: UInt32) {
        appendBE16(UInt16(truncatingIfNeeded: value >> 16))
        appendBE16(UInt16(truncatingIfNeeded: value))
    }
}
