/// One meaningful line of a transcript (comments and blank lines are dropped when parsing).
public struct TranscriptLine: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// `> HEX`: send a command APDU.
        case command(TranscriptCommand)
        /// `< PATTERN SW [=capture]`: check the response to the command just before; optionally
        /// capture its data (without SW) as hex.
        case response(TranscriptTemplate, capture: String?)
        /// `!name ARGS… [=capture]`: call a step of the harness with the substituted arguments;
        /// optionally capture its hex result.
        case step(name: String, arguments: [TranscriptTemplate], capture: String?)
    }

    /// The 1-based line number in the file.
    public var number: Int
    public var kind: Kind

    public init(number: Int, kind: Kind) {
        self.number = number
        self.kind = kind
    }

    /// The variables the line uses, in order.
    public var references: [TranscriptReference] {
        switch kind {
        case .command(let command): return command.references
        case .response(let pattern, _): return pattern.references
        case .step(_, let arguments, _): return arguments.flatMap(\.references)
        }
    }

    /// The name the line captures into, if any.
    public var capture: String? {
        switch kind {
        case .command: return nil
        case .response(_, let capture), .step(_, _, let capture): return capture
        }
    }
}
