/// One page of the token's display: up to ``Screen/lineCount`` lines of at most
/// ``Screen/columnCount`` display columns each (a scalar of East Asian Width W or F takes two
/// columns, a combining mark Mn/Me none, any other one; the applet measures its lines).
public struct Screen: Hashable, Sendable {
    public static let lineCount = 4
    public static let columnCount = 16

    /// The lines shown, top to bottom (never more than four, none wider than 16 columns).
    public var lines: [String]
    /// This page's index, from 0.
    public var page: Int
    /// How many pages the whole confirmation has.
    public var pageCount: Int

    public init(lines: [String], page: Int, pageCount: Int) {
        self.lines = lines
        self.page = page
        self.pageCount = pageCount
    }

    /// Whether this is the last page: only here does OK count as the holder's approval.
    public var isLastPage: Bool { page == pageCount - 1 }
}
