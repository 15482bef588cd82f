import Foundation
import PCSCTestSupport
import Testing

/// Checks made by a test body that runs on a thread of its own (``offPool(_:)``), replayed as
/// expectations in the test's task, where Swift Testing attributes them to the test.
///
/// The tests' cooperative pool has two threads on these machines; a body that starts processes
/// and waits for them would hold one of them for seconds, and other suites' timers (a 30 ms
/// sleep) would wait behind it.
final class OffPoolChecks: @unchecked Sendable {
    private let lock = NSLock()
    private var checks: [(passed: Bool, comment: String, location: SourceLocation)] = []

    /// Records one check; `comment` names the behaviour it protects.
    func expect(_ condition: Bool, _ comment: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation) {
        let entry = (condition, condition ? "" : comment(), sourceLocation)
        lock.withLock { checks.append(entry) }
    }

    /// Records a check that the rest of the body needs: a failure ends the body.
    func require<T>(_ value: T?, _ comment: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
        expect(value != nil, comment(), sourceLocation: sourceLocation)
        guard let value else { throw StackError("required: \(comment())") }
        return value
    }

    func require(_ condition: Bool, _ comment: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation) throws {
        _ = try require(condition ? true : nil, comment(), sourceLocation: sourceLocation)
    }

    /// Turns every recorded check into an expectation of the current test.
    fileprivate func replay() {
        for check in lock.withLock({ checks }) {
            #expect(check.passed, Comment(rawValue: check.comment), sourceLocation: check.location)
        }
    }
}

/// Runs `body` on a thread of its own, then replays its checks in the calling test.
func offPool(_ body: @escaping @Sendable (OffPoolChecks) throws -> Void) async throws {
    let checks = OffPoolChecks()
    do {
        try await PCSCTestStack.blocking { try body(checks) }
    } catch {
        checks.replay()
        throw error
    }
    checks.replay()
}
