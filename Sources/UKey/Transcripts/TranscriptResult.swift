/// What a transcript run that passed did.
public struct TranscriptResult: Hashable, Sendable {
    /// Every exchange, in order, secrets redacted.
    public var exchanges: [TranscriptExchange]
    /// The captures at the end (hex), by name.
    public var captures: [String: String]
    /// How many `!` steps ran.
    public var stepCount: Int

    public init(exchanges: [TranscriptExchange], captures: [String: String], stepCount: Int) {
        self.exchanges = exchanges
        self.captures = captures
        self.stepCount = stepCount
    }
}
