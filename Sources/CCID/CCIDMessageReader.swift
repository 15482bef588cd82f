/// Reassembles CCID bulk messages from the chunks a transport delivers (USB packets of 64
/// bytes, USB/IP transfers, socket reads): feed bytes, take complete messages.
///
/// Framing is by the header's dwLength, so a message that parses badly (unknown
/// bMessageType, bad parameter) is dropped alone and the reader goes on with the next.
/// A dwLength beyond `maxMessageLength` loses the framing: the reader then discards
/// everything it holds (the host recovers with an Abort or a reset, CCID rev 1.1 §5.3.1).
/// The buffer never holds more than `capacity` bytes.
public struct CCIDMessageReader: Sendable {
    /// dwMaxCCIDMessageLength.
    public let maxMessageLength: Int
    /// The most bytes held at once.
    public let capacity: Int

    private var buffer: [UInt8] = []
    private var start = 0

    /// - Parameters:
    ///   - maxMessageLength: the largest message accepted (dwMaxCCIDMessageLength).
    ///   - capacity: the buffer bound, at least `maxMessageLength`; by default twice it.
    public init(maxMessageLength: Int = CCIDLimits.maxMessageLength, capacity: Int? = nil) {
        self.maxMessageLength = max(CCIDHeader.count, maxMessageLength)
        self.capacity = max(self.maxMessageLength, capacity ?? 2 * self.maxMessageLength)
    }

    /// Bytes received and not yet returned in a message.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Appends received bytes.
    /// - Throws: `bufferFull` (and keeps nothing of `bytes`) if they would exceed `capacity`;
    ///   take the complete messages first.
    public mutating func append(_ bytes: some Collection<UInt8>) throws(CCIDError) {
        guard bufferedByteCount + bytes.count <= capacity else { throw .bufferFull(capacity: capacity) }
        appendWithinCapacity(bytes)
    }

    /// Appends received bytes; when nothing is held (the usual case: one transfer carries one
    /// message), the array itself becomes the buffer, without a copy.
    public mutating func append(_ bytes: [UInt8]) throws(CCIDError) {
        guard bufferedByteCount + bytes.count <= capacity else { throw .bufferFull(capacity: capacity) }
        guard bufferedByteCount > 0 else {
            buffer = bytes
            start = 0
            return
        }
        appendWithinCapacity(bytes)
    }

    private mutating func appendWithinCapacity(_ bytes: some Collection<UInt8>) {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete message's bytes, or `nil` if more bytes are needed.
    /// - Throws: `messageTooLong` when a header announces more than `maxMessageLength`
    ///   (everything buffered is then discarded).
    public mutating func nextFrame() throws(CCIDError) -> [UInt8]? {
        guard bufferedByteCount >= CCIDHeader.count else { return nil }
        let header = try CCIDHeader(parsing: buffer[start..<start + CCIDHeader.count])
        guard header.messageLength <= maxMessageLength else {
            reset()
            throw .messageTooLong(header, maximum: maxMessageLength)
        }
        guard bufferedByteCount >= header.messageLength else { return nil }
        if start == 0 && header.messageLength == buffer.count {
            // The buffer holds exactly this message: handed over whole, without a copy.
            defer { buffer = [] }
            return buffer
        }
        let frame = Array(buffer[start..<start + header.messageLength])
        start += header.messageLength
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        return frame
    }

    /// The next complete PC_to_RDR message (device side), or `nil` if more bytes are needed.
    /// A message that does not parse is consumed and its error thrown (with its header).
    public mutating func nextCommand() throws(CCIDError) -> CCIDCommand? {
        guard let frame = try nextFrame() else { return nil }
        return try CCIDCommand(parsing: frame, maxMessageLength: maxMessageLength)
    }

    /// The next complete RDR_to_PC bulk message (host side), or `nil` if more bytes are needed.
    public mutating func nextReply() throws(CCIDError) -> CCIDReply? {
        guard let frame = try nextFrame() else { return nil }
        return try CCIDReply(parsing: frame, maxMessageLength: maxMessageLength)
    }

    /// Discards everything buffered.
    public mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        start = 0
    }
}
