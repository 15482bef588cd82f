import Foundation

/// Blocking work (a process, a wait) started at once on a thread of its own and awaited later.
///
/// Use it instead of `async let x = PCSCTestStack.blocking { … }` when the test blocks before it
/// awaits (a synchronous wait until the token waits for its holder): an `async let` child task
/// needs a thread of Swift's cooperative pool just to start, and that pool has one thread per
/// core — two here — which other suites' synchronous waits may hold, so the work would not even
/// begin until they end (the keypad tests timed out that way under a full parallel run). This
/// starts its thread before the initializer returns.
public final class BackgroundWork<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Value, any Error>?
    private var waiter: CheckedContinuation<Value, any Error>?

    public init(_ body: @escaping @Sendable () throws -> Value) {
        Thread { [self] in finish(Result { try body() }) }.start()
    }

    private func finish(_ outcome: Result<Value, any Error>) {
        lock.lock()
        if let waiter {
            self.waiter = nil
            lock.unlock()
            waiter.resume(with: outcome)
        } else {
            result = outcome
            lock.unlock()
        }
    }

    /// The work's result, once it has ended.
    public var value: Value {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                lock.lock()
                if let result {
                    lock.unlock()
                    continuation.resume(with: result)
                } else {
                    waiter = continuation
                    lock.unlock()
                }
            }
        }
    }
}
