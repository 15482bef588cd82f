/// A response APDU (ISO/IEC 7816-4 §5.1): `[data] SW1 SW2`.
public struct ResponseAPDU: Hashable, Sendable {
    public var data: [UInt8]
    public var statusWord: StatusWord

    public init(data: [UInt8] = [], statusWord: StatusWord) {
        self.data = data
        self.statusWord = statusWord
    }

    /// Parses a response: at least the two status bytes.
    public init(parsing bytes: some Collection<UInt8>) throws(APDUError) {
        let b = Array(bytes)
        guard b.count >= 2 else { throw .tooShort(count: b.count) }
        data = Array(b[..<(b.count - 2)])
        statusWord = StatusWord(sw1: b[b.count - 2], sw2: b[b.count - 1])
    }

    public var bytes: [UInt8] { data + statusWord.bytes }
}
