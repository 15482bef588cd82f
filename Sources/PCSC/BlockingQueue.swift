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
    func run<T: Sendable>(_ body: @escaping @Sendable () throws(PCSCError) -> T) async throws(PCSCError) -> T {
        let result: Result<T, PCSCError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result { () throws(PCSCError) -> T in try body() })
            }
        }
        return try result.get()
    }
}
