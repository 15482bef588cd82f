import ISO7816

/// What a `<` line expects: a data pattern and a status word pattern.
///
///     pattern = *data-token ["*"] sw
///     data-token = 1*(nibble nibble)       ; "C008", "..", "6F.." — spaces between tokens are free
///     nibble  = HEXDIG / "."               ; "." matches any nibble, ".." any byte
///     sw      = 4nibble                    ; "9000", "61..", "63C."
///
/// Without `*` the response data must have exactly the pattern's length; with `*` (only as the
/// last data token) any further bytes are accepted. `< 9000` therefore means "no data", and
/// `< * 9000` "any data".
public struct ResponsePattern: Hashable, Sendable, CustomStringConvertible {
    /// One byte: matches `byte` when `byte & mask == value`.
    public struct BytePattern: Hashable, Sendable {
        public var value: UInt8
        public var mask: UInt8

        public init(value: UInt8, mask: UInt8 = 0xFF) {
            self.value = value & mask
            self.mask = mask
        }

        public func matches(_ byte: UInt8) -> Bool { byte & mask == value }

        /// Two characters, hex or `.` per nibble.
        public var description: String {
            let digits = Array("0123456789ABCDEF")
            func nibble(_ shift: UInt8) -> Character {
                mask >> shift & 0xF == 0 ? "." : digits[Int(value >> shift & 0xF)]
            }
            return String([nibble(4), nibble(0)])
        }
    }

    public var data: [BytePattern]
    /// Whether `*` ends the data pattern.
    public var allowsMoreData: Bool
    /// SW1 SW2 must equal `statusWord` in the bits of `statusWordMask`.
    public var statusWord: UInt16
    public var statusWordMask: UInt16

    /// Parses the text of a `<` line after substitution, without its `=capture`.
    public init(parsing text: some StringProtocol) throws(TranscriptSyntaxError) {
        let tokens = String(text).split(whereSeparator: \.isWhitespace)
        guard let last = tokens.last else { throw TranscriptSyntaxError("a response line needs at least a status word") }
        let sw = try Self.nibbles(last)
        guard sw.count == 2 else {
            throw TranscriptSyntaxError("the last token is the status word: 4 hex digits or dots (9000, 61.., 63C.)")
        }
        statusWord = UInt16(sw[0].value) << 8 | UInt16(sw[1].value)
        statusWordMask = UInt16(sw[0].mask) << 8 | UInt16(sw[1].mask)
        data = []
        allowsMoreData = false
        let dataTokens = tokens.dropLast()
        for (index, token) in dataTokens.enumerated() {
            if token == "*" {
                guard index == dataTokens.count - 1 else {
                    throw TranscriptSyntaxError("\"*\" (any further data) can only be the last data token")
                }
                allowsMoreData = true
            } else {
                data += try Self.nibbles(token)
            }
        }
    }

    /// Splits one token into byte patterns.
    private static func nibbles(_ token: Substring) throws(TranscriptSyntaxError) -> [BytePattern] {
        var patterns: [BytePattern] = []
        var high: (value: UInt8, mask: UInt8)? = nil
        for character in token {
            let nibble: (value: UInt8, mask: UInt8)
            if character == "." {
                nibble = (0, 0)
            } else if let digit = character.hexDigitValue, character.isASCII {
                nibble = (UInt8(digit), 0xF)
            } else {
                throw TranscriptSyntaxError("a response pattern holds hex digits, \".\" and \"*\" only")
            }
            if let h = high {
                patterns.append(BytePattern(value: h.value << 4 | nibble.value, mask: h.mask << 4 | nibble.mask))
                high = nil
            } else {
                high = nibble
            }
        }
        guard high == nil else { throw TranscriptSyntaxError("a response pattern token has an odd number of digits") }
        return patterns
    }

    /// Whether `response` fits the pattern.
    public func matches(_ response: ResponseAPDU) -> Bool {
        mismatch(in: response) == nil
    }

    /// Why `response` does not fit, or `nil` when it does: the status word first, then the data
    /// length, then the first differing byte (0-based offset).
    public func mismatch(in response: ResponseAPDU) -> String? {
        if response.statusWord.rawValue & statusWordMask != statusWord & statusWordMask {
            return "status word \(hexWord(response.statusWord.rawValue)), expected \(statusWordDescription)"
        }
        let received = response.data
        if allowsMoreData ? received.count < data.count : received.count != data.count {
            return "\(received.count) data bytes, expected \(allowsMoreData ? "at least " : "")\(data.count)"
        }
        for (offset, pattern) in data.enumerated() where !pattern.matches(received[offset]) {
            return "data byte at offset \(offset) is \(hexByte(received[offset])), expected \(pattern.description)"
        }
        return nil
    }

    private var statusWordDescription: String {
        BytePattern(value: UInt8(statusWord >> 8), mask: UInt8(statusWordMask >> 8)).description
            + BytePattern(value: UInt8(statusWord & 0xFF), mask: UInt8(statusWordMask & 0xFF)).description
    }

    /// The canonical text: data pattern, `*`, status word — `6F.. * 9000`.
    public var description: String {
        var parts: [String] = []
        if !data.isEmpty { parts.append(data.map(\.description).joined()) }
        if allowsMoreData { parts.append("*") }
        parts.append(statusWordDescription)
        return parts.joined(separator: " ")
    }
}
