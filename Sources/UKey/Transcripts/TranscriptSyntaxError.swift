/// Why a transcript line is malformed: found when the file is parsed, before anything is sent,
/// or — for text that only exists after `${…}` substitution — when the line runs.
///
/// Messages quote the file's own text but never a substituted value, which may be a PIN.
public struct TranscriptSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The 1-based line number, `nil` for a fragment parsed on its own (a pattern, a template).
    public var line: Int?
    public var message: String

    public init(line: Int? = nil, _ message: String) {
        self.line = line
        self.message = message
    }

    public var description: String {
        guard let line else { return message }
        return "line \(line): \(message)"
    }

    /// The same error, located at `line`.
    func at(line: Int) -> TranscriptSyntaxError {
        TranscriptSyntaxError(line: line, message)
    }
}
