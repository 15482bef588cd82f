/// Why a transcript run stopped: the line, what went wrong, and — for a response that did not
/// match — the command sent (secrets redacted, see ``TranscriptExchange``), the response received
/// and the expectation, all in hex.
public struct TranscriptFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The response does not fit the `<` pattern.
        case mismatch
        /// `${name}` is neither a capture made earlier nor in the environment.
        case undefinedVariable(String)
        /// `!name` is not in the step table.
        case unknownStep(String)
        /// A step threw (a signature did not verify, a TLV was missing, …).
        case stepFailed(String)
        /// A line is malformed once its references are substituted.
        case invalidLine
        /// The card channel threw, or returned fewer than the two status bytes.
        case channel
    }

    /// The 1-based line number that failed (the `<` line for a mismatch).
    public var line: Int
    public var kind: Kind
    /// What went wrong, in a sentence fragment.
    public var message: String
    /// The command sent, redacted.
    public var command: String?
    /// The response received, `DATA SW` in hex.
    public var response: String?
    /// The `<` pattern after substitution.
    public var expectation: String?

    public init(line: Int, kind: Kind, message: String, command: String? = nil, response: String? = nil,
                expectation: String? = nil) {
        self.line = line
        self.kind = kind
        self.message = message
        self.command = command
        self.response = response
        self.expectation = expectation
    }

    public var description: String {
        var text = "line \(line): \(message)"
        if let command { text += "\n  sent:     \(command)" }
        if let response { text += "\n  received: \(response)" }
        if let expectation { text += "\n  expected: \(expectation)" }
        return text
    }
}
