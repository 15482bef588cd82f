/// The text of a transcript line with its `${…}` references, kept unresolved until the line runs
/// (captures only exist then).
public struct TranscriptTemplate: Hashable, Sendable, CustomStringConvertible {
    /// Literal text or a reference.
    public enum Segment: Hashable, Sendable {
        case literal(String)
        case reference(TranscriptReference)
    }

    public var segments: [Segment]

    public init(segments: [Segment]) {
        self.segments = segments
    }

    /// Splits `text` into literals and references. A `${` without its `}` is an error; a `$`
    /// not followed by `{` is literal text.
    public init(parsing text: some StringProtocol) throws(TranscriptSyntaxError) {
        var segments: [Segment] = []
        var rest = Substring(text)
        while let start = rest.firstRange(of: "${") {
            if start.lowerBound > rest.startIndex { segments.append(.literal(String(rest[..<start.lowerBound]))) }
            let inner = rest[start.upperBound...]
            guard let end = inner.firstIndex(of: "}") else {
                throw TranscriptSyntaxError("\"${\" without a closing \"}\"")
            }
            segments.append(.reference(try TranscriptReference(parsing: inner[..<end])))
            rest = inner[inner.index(after: end)...]
        }
        if !rest.isEmpty { segments.append(.literal(String(rest))) }
        self.init(segments: segments)
    }

    /// The references, in order.
    public var references: [TranscriptReference] {
        segments.compactMap {
            if case .reference(let reference) = $0 { return reference }
            return nil
        }
    }

    /// The literal text, references left out.
    public var literalText: String {
        segments.map {
            if case .literal(let text) = $0 { return text }
            return ""
        }.joined()
    }

    /// The text with every reference replaced by its value.
    public func substitute(_ lookup: (String) -> String?) throws(TranscriptSyntaxError) -> String {
        var text = ""
        for segment in segments {
            switch segment {
            case .literal(let literal): text += literal
            case .reference(let reference): text += try reference.evaluate(lookup)
            }
        }
        return text
    }

    /// Throws when a literal character is not one of `allowed` (nor white space), quoting it.
    func checkLiterals(allowing allowed: String, _ what: String) throws(TranscriptSyntaxError) {
        for character in literalText where !character.isWhitespace && !allowed.contains(character) {
            throw TranscriptSyntaxError("\"\(character)\" cannot appear in \(what)")
        }
    }

    /// The line as written.
    public var description: String {
        segments.map {
            switch $0 {
            case .literal(let text): return text
            case .reference(let reference): return reference.description
            }
        }.joined()
    }
}
