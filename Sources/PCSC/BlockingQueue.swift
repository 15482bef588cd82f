import Dispatch

/// Where the `async` variants run their blocking libpcsclite calls: a serial dispatch queue per
/// context, never Swift's cooperative pool (it has as many threads as cores, two here, and a
/// CONFIRM TRANSFER transmit may block for a minute while the holder reads the screen).
///
/// A serial queue made with `DispatchQueue(label:)` targets libdispatch's overcommit root queue,
/// which starts a new thread whenever its threads are blocked, so a blocked call never starves
/// another queue. Serial per context is no loss: libpcsclite runs one call per context at a time
/// anyway (it holds the context's mutex for the whole call).
struct BlockingQueue: Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    /// Runs `body` on the queue and resumes the caller with its result.
    ///
    /// `body` — and the card or context it captures — is released on the queue *before* the
    /// caller resumes. Otherwise the queue's block could hold the last reference after the caller
    /// has dropped its own: the object's deinit (SCardDisconnect, SCardReleaseContext) would then
    /// run on the queue's thread while the caller's thread goes on to `exit`, whose libpcsclite
    /// and Foundation destructors it races (`ukey apdu` crashed in libpcsclite that way).
    func run<T: Sendable>(_ body: @escaping @Sendable () throws(PCSCError) -> T) async throws(PCSCError) -> T {
        let handOver = HandOver(body)
        let result: Result<T, PCSCError> = await withCheckedContinuation { continuation in
            queue.async {
                let result = handOver.run()
                continuation.resume(returning: result)
            }
        }
        return try result.get()
    }
}

/// Holds a body until it runs once, then lets go of it (and of what it captured).
private final class HandOver<T: Sendable>: @unchecked Sendable {
    private var body: (@Sendable () throws(PCSCError) -> T)?

    init(_ body: @escaping @Sendable () throws(PCSCError) -> T) {
        self.body = body
    }

    /// Runs the body on the calling thread and releases it there. Called once, on the queue.
    func run() -> Result<T, PCSCError> {
        guard let body else { preconditionFailure("a BlockingQueue body runs once") }
        self.body = nil
        return Result { () throws(PCSCError) -> T in try body() }
    }
}
