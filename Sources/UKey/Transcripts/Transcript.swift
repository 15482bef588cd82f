/// An APDU transcript, parsed whole before anything runs (ARCHITECTURE.md, "APDU transcripts"):
///
///     # comment                        blank lines and lines starting with # are ignored
///     > 00 A4 04 00 [F0554B455901] 00  a command; [ … ] is a data field, Lc computed
///     < 6F.. * 9000 =fci               the expected response; =name captures its data
///     !tlv ${fci} 6F/84 =aid           a step of the harness; =name captures its result
///
/// `${name}` substitutes a capture or an environment value in `>`, `<` and `!` lines, with the
/// functions `${ascii:…}` and `${len:…}`. See ``TranscriptCommand``, ``ResponsePattern`` and
/// ``TranscriptReference`` for each part's grammar. A `<` line checks the command directly before
/// it (comments aside) and each command has at most one; a command without one accepts any
/// response.
public struct Transcript: Hashable, Sendable {
    public var lines: [TranscriptLine]

    public init(lines: [TranscriptLine]) {
        self.lines = lines
    }

    /// Parses a whole file; the error carries the first bad line's number.
    public init(parsing text: some StringProtocol) throws(TranscriptSyntaxError) {
        var lines: [TranscriptLine] = []
        var awaitingResponse = false
        for (index, raw) in String(text).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = raw.trimmingWhitespace
            guard let marker = line.first, marker != "#" else { continue }
            let body = line.dropFirst()
            let kind: TranscriptLine.Kind
            do throws(TranscriptSyntaxError) {
                switch marker {
                case ">":
                    kind = .command(try TranscriptCommand(parsing: body))
                case "<":
                    guard awaitingResponse else {
                        throw TranscriptSyntaxError("a response line must directly follow its command line")
                    }
                    let (text, capture) = try Self.splitCapture(body)
                    let pattern = try TranscriptTemplate(parsing: text)
                    try pattern.checkLiterals(allowing: "0123456789abcdefABCDEF.*", "a response pattern")
                    if pattern.references.isEmpty { _ = try ResponsePattern(parsing: text) }
                    kind = .response(pattern, capture: capture)
                case "!":
                    let (text, capture) = try Self.splitCapture(body)
                    let words = text.split(whereSeparator: \.isWhitespace)
                    guard let name = words.first, body.first.map({ !$0.isWhitespace }) == true,
                          name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
                    else { throw TranscriptSyntaxError("a step line is \"!name ARGS… [=capture]\"") }
                    let arguments = try words.dropFirst().map { (word) throws(TranscriptSyntaxError) in
                        try TranscriptTemplate(parsing: word)
                    }
                    kind = .step(name: String(name), arguments: arguments, capture: capture)
                default:
                    throw TranscriptSyntaxError("a line starts with \">\", \"<\", \"!\" or \"#\", or is blank")
                }
            } catch {
                throw error.at(line: number)
            }
            if case .command = kind { awaitingResponse = true } else { awaitingResponse = false }
            lines.append(TranscriptLine(number: number, kind: kind))
        }
        self.init(lines: lines)
    }

    /// Splits a trailing `=name` token off a `<` or `!` line.
    private static func splitCapture(_ text: Substring) throws(TranscriptSyntaxError) -> (Substring, String?) {
        let trimmed = text.trimmingWhitespace
        guard let lastSpace = trimmed.lastIndex(where: \.isWhitespace) ?? (trimmed.hasPrefix("=") ? trimmed.startIndex : nil)
        else { return (trimmed, nil) }
        let token = trimmed[lastSpace...].trimmingWhitespace
        guard token.hasPrefix("=") else { return (trimmed, nil) }
        let name = token.dropFirst()
        guard TranscriptReference.isValidName(name) else {
            throw TranscriptSyntaxError("\"\(token)\" is not a capture: \"=\" then a name (letters, digits, _ - .)")
        }
        return (trimmed[..<lastSpace], String(name))
    }

    /// The first use of a variable that is neither captured on an earlier line nor in
    /// `environment`: checked before a run so that a typo fails before any command is sent.
    public func firstUndefinedReference(environment: Set<String>) -> (line: Int, reference: TranscriptReference)? {
        var defined = environment
        for line in lines {
            if let missing = line.references.first(where: { !defined.contains($0.name) }) {
                return (line.number, missing)
            }
            if let capture = line.capture { defined.insert(capture) }
        }
        return nil
    }
}

extension Substring {
    /// Without leading and trailing white space (including the `\r` of CRLF files).
    var trimmingWhitespace: Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return self[start..<Swift.max(start, end)]
    }
}
