import Foundation

/// pcsc-tools' list of known ATRs (`smartcard_list.txt`, Debian's `pcsc-tools` installs it in
/// /usr/share/pcsc), read at run time when present and never copied. Its format: an entry is a
/// line holding an ATR as a regular expression over space-separated hex bytes (`..` any byte,
/// `3[1,3]`, `0[CD]`, `4.`), then one or more lines starting with a tab that describe the card,
/// then an empty line; `#` starts a comment line. pcsc-tools' `ATR_analysis` matches the whole ATR,
/// spaces removed, case-insensitively; so does ``names(for:)``.
package struct ATRList: Sendable {
    /// Where Debian's pcsc-tools puts the list.
    package static let debianPath = "/usr/share/pcsc/smartcard_list.txt"

    package struct Entry: Sendable {
        /// The pattern as written in the list (`3B 8B 80 01 …`).
        package var pattern: String
        package var descriptions: [String]
    }

    package let path: String
    package let entries: [Entry]

    /// The list at `path`; nil when there is none (pcsc-tools not installed) or it cannot be read.
    package init?(path: String = ATRList.debianPath) {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        // The list is mostly ASCII with some Latin-1 names in older versions.
        let text = String(data: data, encoding: .utf8) ?? String(decoding: data, as: UTF8.self)
        self.init(text: text, path: path)
    }

    /// Parses the list's text.
    package init(text: String, path: String) {
        self.path = path
        var entries: [Entry] = []
        var current: Entry?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("\t") {
                let description = line.trimmingCharacters(in: .whitespaces)
                if !description.isEmpty { current?.descriptions.append(description) }
            } else {
                if let done = current, !done.descriptions.isEmpty { entries.append(done) }
                current = nil
                let pattern = line.trimmingCharacters(in: .whitespaces)
                if !pattern.isEmpty && !pattern.hasPrefix("#") { current = Entry(pattern: pattern, descriptions: []) }
            }
        }
        if let done = current, !done.descriptions.isEmpty { entries.append(done) }
        self.entries = entries
    }

    /// The descriptions of every entry whose pattern matches `atr` as a whole.
    package func names(for atr: [UInt8]) -> [String] {
        let hex = atr.map { String(format: "%02X", $0) }.joined()
        return entries.filter { Self.matches($0.pattern, hex) }.flatMap(\.descriptions)
    }

    static func matches(_ pattern: String, _ hex: String) -> Bool {
        let compact = pattern.replacingOccurrences(of: " ", with: "")
        guard let expression = try? NSRegularExpression(pattern: "^(?:" + compact + ")$", options: [.caseInsensitive]) else {
            return false   // a pattern this engine cannot read names nothing
        }
        return expression.firstMatch(in: hex, range: NSRange(hex.startIndex..., in: hex)) != nil
    }
}
