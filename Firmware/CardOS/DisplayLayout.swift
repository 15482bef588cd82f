/// Lays text out on the token's 4 × 16 screen.
///
/// Content comes as blocks (a label line and its value); values are hard-wrapped at 16 Unicode
/// scalars so every character the holder is asked to approve is visible (no word wrap that could
/// hide a space at a line end). A block starts on a new page when it does not fit the rest of
/// the current one; a block taller than a page runs on over several pages.
public enum DisplayLayout {
    /// Splits `text` into lines of at most ``Screen/columnCount`` scalars; an empty text gives
    /// one empty line.
    public static func wrap(_ text: String) -> [String] {
        var lines: [String] = []
        var line = ""
        var width = 0
        for scalar in text.unicodeScalars {
            if width == Screen.columnCount {
                lines.append(line)
                line = ""
                width = 0
            }
            line.unicodeScalars.append(scalar)
            width += 1
        }
        lines.append(line)
        return lines
    }

    /// Pages for `blocks` of lines, in order.
    public static func pages(_ blocks: [[String]]) -> [Screen] {
        var pages: [[String]] = []
        var current: [String] = []
        for block in blocks {
            if !current.isEmpty && current.count + block.count > Screen.lineCount {
                pages.append(current)
                current = []
            }
            for line in block {
                if current.count == Screen.lineCount {
                    pages.append(current)
                    current = []
                }
                current.append(line)
            }
        }
        if !current.isEmpty { pages.append(current) }
        var screens: [Screen] = []
        for (index, lines) in pages.enumerated() {
            screens.append(Screen(lines: lines, page: index, pageCount: pages.count))
        }
        return screens
    }
}
