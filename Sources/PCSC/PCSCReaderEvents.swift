/// The reader and card events of ``PCSCContext/readerEvents(pollInterval:)``, as an
/// `AsyncSequence` that throws ``PCSCError``.
///
/// Each iteration starts its own monitor: a thread with a context of its own that waits in
/// SCardGetStatusChange on every reader and on the PnP pseudo reader. It first reports the
/// readers and cards present, then each change. When the iteration ends (the loop exits, the
/// task is cancelled, the iterator is dropped), the monitor cancels its wait (SCardCancel),
/// releases its context and exits. It ends with an error when pcscd goes away.
public struct PCSCReaderEvents: AsyncSequence, Sendable {
    public typealias Element = PCSCReaderEvent
    public typealias Failure = PCSCError

    let scope: PCSCScope
    let pollInterval: Duration

    public func makeAsyncIterator() -> AsyncIterator {
        let (stream, continuation) = AsyncThrowingStream<PCSCReaderEvent, any Error>.makeStream()
        let monitor = ReaderEventMonitor(scope: scope, pollInterval: pollInterval, continuation: continuation)
        continuation.onTermination = { _ in monitor.stop() }
        monitor.start()
        return AsyncIterator(base: stream.makeAsyncIterator())
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<PCSCReaderEvent, any Error>.AsyncIterator

        public mutating func next() async throws(PCSCError) -> PCSCReaderEvent? {
            do {
                return try await base.next()
            } catch {
                throw Self.pcscError(error)
            }
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(PCSCError) -> PCSCReaderEvent? {
            do {
                return try await base.next(isolation: actor)
            } catch {
                throw Self.pcscError(error)
            }
        }

        /// The monitor finishes the stream only with ``PCSCError``s.
        private static func pcscError(_ error: any Error) -> PCSCError {
            (error as? PCSCError) ?? .internalError
        }
    }
}

extension PCSCContext {
    /// Reader and card events: readers added and removed, cards inserted (with their ATR) and
    /// removed. See ``PCSCReaderEvents``. The monitor uses a context of its own (with this
    /// context's scope), so it never holds up this one.
    ///
    /// `pollInterval` bounds each SCardGetStatusChange: the monitor lists the readers again at
    /// least that often (pcsc-lite 1.9's PnP notification can miss a reader that arrives
    /// between the listing and the wait) and notices a stop request no later than that.
    public func readerEvents(pollInterval: Duration = .seconds(1)) -> PCSCReaderEvents {
        PCSCReaderEvents(scope: scope, pollInterval: pollInterval)
    }
}
