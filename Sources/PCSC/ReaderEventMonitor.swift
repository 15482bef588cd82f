import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The thread behind ``PCSCReaderEvents``: lists the readers, waits in SCardGetStatusChange on
/// them and on the PnP pseudo reader, and turns what changed into ``PCSCReaderEvent``s.
final class ReaderEventMonitor: Sendable {
    private let scope: PCSCScope
    private let pollInterval: Duration
    private let continuation: AsyncThrowingStream<PCSCReaderEvent, any Error>.Continuation
    private let control = Mutex(Control())

    private struct Control {
        var stopped = false
        var context: PCSCContext?
    }

    /// The monitor thread's name (at most 15 bytes: Linux's limit, seen in /proc/PID/task/TID/comm).
    static let threadName = "pcsc-events"

    /// pcsc-lite takes at most 16 reader states (PCSCLITE_MAX_READERS_CONTEXTS); one is the PnP reader.
    static let maxReaders = 15

    init(scope: PCSCScope, pollInterval: Duration,
         continuation: AsyncThrowingStream<PCSCReaderEvent, any Error>.Continuation) {
        self.scope = scope
        self.pollInterval = pollInterval
        self.continuation = continuation
    }

    func start() {
        let thread = Thread { [self] in
            Thread.current.name = Self.threadName
            // Foundation passes a name to the kernel only when the Thread already knows its
            // pthread, which the starting thread records after pthread_create returns: a new
            // thread scheduled before that stays unnamed in /proc. Name it directly as well
            // (what pthread_setname_np does on Linux, which Glibc's module does not export).
            let comm = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
            if comm >= 0 {
                _ = write(comm, Self.threadName, Self.threadName.utf8.count)
                close(comm)
            }
            run()
        }
        thread.start()
    }

    /// Asks the thread to end: from any thread, at any time. The wait in progress ends at once
    /// (SCardCancel); one that has not begun yet sees the flag within `pollInterval`.
    func stop() {
        let context = control.withLock { control in
            control.stopped = true
            return control.context
        }
        try? context?.cancel()
    }

    private var isStopped: Bool { control.withLock { $0.stopped } }

    private func run() {
        let context: PCSCContext
        do {
            context = try PCSCContext(scope: scope)
        } catch {
            continuation.finish(throwing: error)
            return
        }
        let proceed = control.withLock { control in
            control.context = context
            return !control.stopped
        }
        defer {
            control.withLock { $0.context = nil }
            context.release()
        }
        guard proceed else { return continuation.finish() }
        do {
            try watch(context)
            continuation.finish()
        } catch {
            continuation.finish(throwing: error)
        }
    }

    /// The loop: list, wait, report; until stopped.
    private func watch(_ context: PCSCContext) throws(PCSCError) {
        var order: [String] = []
        var states: [String: PCSCReaderState] = [:]
        var present: [String: Bool] = [:]
        var plugAndPlay = PCSCReaderState(reader: PCSCReaderState.plugAndPlayReader)
        while !isStopped {
            let listed = Array(try context.readers().prefix(Self.maxReaders))
            for gone in order where !listed.contains(gone) {
                continuation.yield(.readerRemoved(gone))
                states[gone] = nil
                present[gone] = nil
            }
            for added in listed where states[added] == nil {
                continuation.yield(.readerAdded(added))
                states[added] = PCSCReaderState(reader: added)
            }
            order = listed
            let result: [PCSCReaderState]
            do {
                result = try context.statusChange([plugAndPlay] + order.compactMap { states[$0] }, timeout: pollInterval)
            } catch .timeout {
                continue
            } catch .cancelled {
                continue  // stop() cancelled: the loop condition ends it
            } catch .unknownReader {
                continue  // a reader left between the listing and the wait
            }
            plugAndPlay = result[0].next
            for state in result.dropFirst() where state.hasChanged {
                guard !state.eventState.contains(.unknown), !state.eventState.contains(.unavailable) else { continue }
                let isPresent = state.isCardPresent
                if present[state.reader] != isPresent {
                    if isPresent {
                        continuation.yield(.cardInserted(reader: state.reader, atr: state.atr))
                    } else if present[state.reader] == true {
                        continuation.yield(.cardRemoved(reader: state.reader))
                    }
                    present[state.reader] = isPresent
                }
                states[state.reader] = state.next
            }
        }
    }
}
