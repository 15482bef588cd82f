/// Lays lines out on the token's 4 × 16 screen.
///
/// Content comes as blocks (a label line and its value lines), already cut to at most
/// ``Screen/columnCount`` display columns by the applet, which knows its text (the banking
/// applet measures with BankingProtocol's `ValueLines`). A block starts on a new page when it
/// does not fit the rest of the current one; a block taller than a page runs on over several
/// pages.
public enum DisplayLayout {
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
