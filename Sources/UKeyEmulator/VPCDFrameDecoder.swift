/// Splits the byte stream from vpcd into messages, whatever the chunking of the reads
/// (stock vpcd writes the length and the payload separately).
public struct VPCDFrameDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0

    public init() {}

    /// Bytes received and not yet returned as a message.
    public var bufferedCount: Int { buffer.count - start }

    /// Adds bytes as they arrived from the socket.
    ///
    /// The bytes already handed out are dropped once they are half the buffer or more, so a peer
    /// that never lets the buffer run empty (each read ending inside the next frame) cannot make
    /// it grow with everything it ever sent.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The bytes held, including those already handed out (for the tests of the bound above).
    var storedCount: Int { buffer.count }

    /// The next complete message, or `nil` until more bytes arrive. A malformed frame throws;
    /// the stream cannot be resynchronised after that, so the caller drops the connection.
    public mutating func next() throws(VPCDFrameError) -> VPCDMessage? {
        guard bufferedCount >= 2 else { return nil }
        let length = Int(buffer[start]) << 8 | Int(buffer[start + 1])
        guard length > 0 else { throw .emptyFrame }
        guard bufferedCount >= 2 + length else { return nil }
        let payload = Array(buffer[(start + 2)..<(start + 2 + length)])
        start += 2 + length
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        return try VPCDMessage(parsingPayload: payload)
    }

    /// Called at end of stream: throws ``VPCDFrameError/truncated(have:expected:)`` when a
    /// partial frame is left over.
    public func finish() throws(VPCDFrameError) {
        guard bufferedCount > 0 else { return }
        let expected = bufferedCount >= 2 ? 2 + (Int(buffer[start]) << 8 | Int(buffer[start + 1])) : 2
        throw .truncated(have: bufferedCount, expected: expected)
    }
}
