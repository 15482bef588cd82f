import ISO7816

/// The text of a `>` line: a command APDU in hex, sent as written, or with a bracketed data
/// field whose Lc the runner computes.
///
///     command   = hex                              ; sent as written
///               / header "[" hex "]" [le]          ; header: CLA INS P1 P2 (4 bytes)
///     le        = 1 byte / 2 bytes
///
/// Bracketed: Lc is short (1 byte) when the data has at most 255 bytes, else extended
/// (`00 hi lo`). A 1-byte Le after the brackets follows the form of Lc: short it is sent as
/// written (`00` = 256); extended it becomes `00 xx` (`00` becomes `0000` = 65,536). A 2-byte Le
/// makes the whole command extended, even with short data. Empty brackets send no Lc at all.
/// Hex may be split by spaces anywhere between bytes; `${…}` may appear in any part.
public struct TranscriptCommand: Hashable, Sendable, CustomStringConvertible {
    /// The whole command when unbracketed, else the header before `[`.
    public var leading: TranscriptTemplate
    /// The bracketed data field, if the line has brackets.
    public var data: TranscriptTemplate?
    /// The Le after `]` (empty when unbracketed).
    public var trailing: TranscriptTemplate

    /// Parses the text after `>`; the hex is checked now when the line has no references, else
    /// when it runs.
    public init(parsing text: some StringProtocol) throws(TranscriptSyntaxError) {
        let text = Substring(text)
        let opens = text.filter { $0 == "[" }.count
        let closes = text.filter { $0 == "]" }.count
        if opens == 0 && closes == 0 {
            leading = try TranscriptTemplate(parsing: text)
            data = nil
            trailing = TranscriptTemplate(segments: [])
        } else {
            guard opens == 1, closes == 1, let open = text.firstIndex(of: "["), let close = text.firstIndex(of: "]"),
                  open < close
            else { throw TranscriptSyntaxError("a command has at most one data field in brackets: \"[ … ]\"") }
            leading = try TranscriptTemplate(parsing: text[..<open])
            data = try TranscriptTemplate(parsing: text[text.index(after: open)..<close])
            trailing = try TranscriptTemplate(parsing: text[text.index(after: close)...])
        }
        for part in [leading, data, trailing].compactMap({ $0 }) {
            try part.checkLiterals(allowing: "0123456789abcdefABCDEF", "a command (hex digits and spaces)")
        }
        if references.isEmpty { _ = try encode { _ in nil } }
    }

    /// Every reference in the line.
    public var references: [TranscriptReference] {
        leading.references + (data?.references ?? []) + trailing.references
    }

    /// The command bytes, references resolved with `lookup`. Errors never quote a substituted value.
    public func encode(_ lookup: (String) -> String?) throws(TranscriptSyntaxError) -> [UInt8] {
        func bytes(_ template: TranscriptTemplate, _ part: String) throws(TranscriptSyntaxError) -> [UInt8] {
            guard let bytes = [UInt8](hex: try template.substitute(lookup)) else {
                throw TranscriptSyntaxError("the \(part) is not whole bytes of hex")
            }
            return bytes
        }
        guard let dataTemplate = data else {
            let command = try bytes(leading, "command")
            guard !command.isEmpty else { throw TranscriptSyntaxError("empty command") }
            return command
        }
        let header = try bytes(leading, "header")
        guard header.count == 4 else {
            throw TranscriptSyntaxError("a bracketed data field follows exactly 4 header bytes (CLA INS P1 P2), not \(header.count)")
        }
        let field = try bytes(dataTemplate, "data field")
        let le = try bytes(trailing, "Le after the data field")
        guard field.count <= 65_535 else { throw TranscriptSyntaxError("a data field holds at most 65,535 bytes, not \(field.count)") }
        guard le.count <= 2 else { throw TranscriptSyntaxError("the Le after the data field has 1 or 2 bytes, not \(le.count)") }
        let extended = field.count > 255 || le.count == 2
        var ne: Int? = nil
        if le.count == 1 {
            ne = le[0] == 0 ? (extended ? 65_536 : 256) : Int(le[0])
        } else if le.count == 2 {
            let word = Int(le[0]) << 8 | Int(le[1])
            ne = word == 0 ? 65_536 : word
        }
        do {
            return try CommandAPDU(cla: header[0], ins: header[1], p1: header[2], p2: header[3],
                                   data: field, ne: ne, extended: extended).bytes
        } catch {
            throw TranscriptSyntaxError("not a command APDU: \(error)")
        }
    }

    /// The line as written.
    public var description: String {
        guard let data else { return leading.description }
        return "\(leading)[\(data)]\(trailing)"
    }
}
