/// A fuzz input read as a stream of decisions, front to back (in the manner of LLVM's
/// `FuzzedDataProvider`): a harness takes a byte to choose a mode, a length, a chunk size, and
/// the rest as data. Reading past the end gives zeros and empty arrays, never a trap, so every
/// input is a valid script.
public struct FuzzInput {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Whether every byte has been taken.
    public var isEmpty: Bool { offset >= bytes.count }

    /// How many bytes are left.
    public var remainingCount: Int { max(0, bytes.count - offset) }

    /// The next byte, or 0 at the end.
    public mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// The next two bytes as a big-endian number (0 past the end).
    public mutating func uint16() -> UInt16 {
        UInt16(byte()) << 8 | UInt16(byte())
    }

    /// The next `count` bytes, or fewer at the end.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, offset + max(0, count))
        defer { offset = max(offset, end) }
        return offset < end ? Array(bytes[offset..<end]) : []
    }

    /// Everything not taken yet.
    public mutating func rest() -> [UInt8] { bytes(remainingCount) }
}

/// Cuts `bytes` where a transport might (socket reads, USB packets), deterministically from
/// `seed`: chunk sizes come from a small generator, bounded by 1, 3, 16, 64, 512 or the whole
/// input according to `seed`. Joining the chunks gives `bytes` back.
public func fuzzChunks(_ bytes: [UInt8], seed: UInt8) -> [ArraySlice<UInt8>] {
    let bounds = [1, 3, 16, 64, 512, Int.max]
    let bound = bounds[Int(seed) % bounds.count]
    var state = UInt32(seed) &* 2_654_435_761 | 1
    var chunks: [ArraySlice<UInt8>] = []
    var start = 0
    while start < bytes.count {
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        let size = bound == Int.max ? bytes.count : 1 + Int(state % UInt32(bound))
        let end = min(bytes.count, start + size)
        chunks.append(bytes[start..<end])
        start = end
    }
    return chunks
}
