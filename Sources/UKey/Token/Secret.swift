/// A PIN, PUK or new PIN on its way to the token.
///
/// It prints as `••••••` (one dot per character, so a trace still shows the length the card
/// got), never as its digits, and the library zeroes every command buffer that carried it.
/// Build one from what the holder typed: `Secret("123456")`, or from bytes read from a file
/// descriptor.
public struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, ExpressibleByStringLiteral {
    /// The ASCII digits as the card receives them.
    public let bytes: [UInt8]

    public init(_ text: String) { bytes = Array(text.utf8) }
    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(stringLiteral value: String) { self.init(value) }

    public var description: String { String(repeating: "•", count: bytes.count) }
    public var debugDescription: String { "Secret(\(description))" }

    /// The card's format: PINs are 6–16 ASCII digits, PUKs 8–16.
    func isDigits(count range: ClosedRange<Int>) -> Bool {
        range.contains(bytes.count) && bytes.allSatisfy { (0x30...0x39).contains($0) }
    }
}
