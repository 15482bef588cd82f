/// How values are drawn on the token's 16-column screen so that no value can pass for a label
/// (docs/ARCHITECTURE.md, "The display"): every value line starts with ``marker``, which no
/// value may contain, and the value is hard-wrapped in the 15 columns after it, measured in
/// display columns (``columns(of:)``).
public enum ValueLines {
    /// `>` (U+003E): one column in every font (ASCII, East Asian Width Na), and refused in names
    /// and references (``ScalarClass/marker``), while accounts, amounts and currencies are ASCII
    /// letters, digits and `.` only. Labels never start with it.
    public static let marker: Unicode.Scalar = ">"

    /// The screen's width in columns (CardOS `Screen.columnCount`).
    public static let screenColumns = 16

    /// Columns left for the value after the marker.
    public static let valueColumns = screenColumns - 1

    /// Display columns of `text`: Mn/Me 0, East Asian Width W/F 2, everything else 1 (the
    /// widths of ``ScalarClass/columns``).
    public static func columns(of text: String) -> Int {
        var total = 0
        for scalar in text.unicodeScalars { total += ScalarClass(scalar).columns }
        return total
    }

    /// `text` hard-wrapped into lines of at most `width` columns, each prefixed with ``marker``.
    /// A wide scalar that does not fit moves to the next line; a combining mark always stays
    /// with the scalar before it (it takes no column, or belongs to its letter). No word wrap,
    /// so no character hides at a line end. An empty text gives one line with the marker alone.
    public static func wrap(_ text: String, width: Int = valueColumns) -> [String] {
        var lines: [String] = []
        var line = String(marker)
        var used = 0
        for scalar in text.unicodeScalars {
            let kind = ScalarClass(scalar)
            let columns = kind.columns
            if !kind.isMark && used > 0 && used + columns > width {
                lines.append(line)
                line = String(marker)
                used = 0
            }
            line.unicodeScalars.append(scalar)
            used += columns
        }
        lines.append(line)
        return lines
    }

    /// An account (ASCII `0`–`9`, `A`–`Z`) in groups of four separated by one space, as many
    /// groups per line as fit in `width` columns (three), each line prefixed with ``marker``:
    /// `>6222 0202 0011`, `>2233`. Lines break only between groups.
    public static func account(_ account: String, width: Int = valueColumns) -> [String] {
        var groups: [String] = []
        var group = ""
        for scalar in account.unicodeScalars {
            if group.unicodeScalars.count == 4 {
                groups.append(group)
                group = ""
            }
            group.unicodeScalars.append(scalar)
        }
        if !group.isEmpty || groups.isEmpty { groups.append(group) }
        var lines: [String] = []
        var line = ""
        for group in groups {
            if !line.isEmpty && line.unicodeScalars.count + 1 + group.unicodeScalars.count > width {
                lines.append(String(marker) + line)
                line = ""
            }
            line += line.isEmpty ? group : " " + group
        }
        lines.append(String(marker) + line)
        return lines
    }
}
