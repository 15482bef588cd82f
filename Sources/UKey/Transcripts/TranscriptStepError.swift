/// Why a standard transcript step failed: bad arguments, a missing object, or a signature that
/// does not verify.
public struct TranscriptStepError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
