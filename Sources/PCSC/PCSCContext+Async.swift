import Synchronization

extension PCSCContext {
    /// ``statusChange(_:timeout:)`` on the context's queue, off the cooperative pool. Cancelling
    /// the task ends the wait with `.cancelled` (SCardCancel).
    ///
    /// The wait runs in slices of at most `slice`, so a task cancellation that falls between
    /// pcsc-lite's steps (where SCardCancel has no effect) is seen at the next slice.
    public func statusChange(_ readers: [PCSCReaderState], timeout: Duration?,
                             slice: Duration = .seconds(1)) async throws(PCSCError) -> [PCSCReaderState] {
        let cancelled = CancellationFlag()
        let result: Result<[PCSCReaderState], PCSCError> = await withTaskCancellationHandler {
            do throws(PCSCError) {
                return .success(try await queue.run { () throws(PCSCError) in
                    try self.slicedStatusChange(readers, timeout: timeout, slice: slice, cancelled: cancelled)
                })
            } catch {
                return .failure(error)
            }
        } onCancel: {
            cancelled.set()
            _ = try? self.cancel()
        }
        return try result.get()
    }

    /// ``connect(reader:share:protocols:)`` on the context's queue (a connect powers the card up,
    /// which takes a round trip to the reader).
    public func connect(reader: String, share: PCSCShareMode = .shared,
                        protocols: PCSCProtocol = .any) async throws(PCSCError) -> PCSCCard {
        try await queue.run { () throws(PCSCError) in
            try self.connect(reader: reader, share: share, protocols: protocols)
        }
    }

    /// ``readers()`` on the context's queue.
    public func readers() async throws(PCSCError) -> [String] {
        try await queue.run { () throws(PCSCError) in try self.readers() }
    }

    private func slicedStatusChange(_ readers: [PCSCReaderState], timeout: Duration?, slice: Duration,
                                    cancelled: CancellationFlag) throws(PCSCError) -> [PCSCReaderState] {
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now.advanced(by: $0) }
        while true {
            if cancelled.isSet { throw .cancelled }
            var wait = slice
            if let deadline {
                let left = clock.now.duration(to: deadline)
                if left <= .zero { throw .timeout }
                wait = min(wait, left)
            }
            do throws(PCSCError) {
                return try statusChange(readers, timeout: wait)
            } catch .timeout {
                continue
            }
        }
    }
}

/// Set once by a task's cancellation handler, read by the blocking side.
final class CancellationFlag: Sendable {
    private let flag = Atomic(false)
    func set() { flag.store(true, ordering: .releasing) }
    var isSet: Bool { flag.load(ordering: .acquiring) }
}
