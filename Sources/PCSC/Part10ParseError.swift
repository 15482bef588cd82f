/// Bytes from a reader's part 10 answer (feature list, TLV properties) that do not parse: what
/// is wrong and at which offset.
public struct Part10ParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var reason: String
    /// The offset of the first byte that does not fit.
    public var offset: Int

    public init(_ reason: String, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "PC/SC part 10: \(reason) at offset \(offset)" }
}
