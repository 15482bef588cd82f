import Foundation

/// Lines a process printed, collected from any thread.
public final class CollectedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    public init() {}

    public func append(_ line: String) { lock.withLock { lines.append(line) } }

    public var all: [String] { lock.withLock { lines } }
}
