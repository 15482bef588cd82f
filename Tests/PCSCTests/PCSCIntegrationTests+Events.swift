import Foundation
import PCSC
import PCSCTestSupport
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Waiting: SCardGetStatusChange with timeouts and cancellation, the reader event sequence, and
/// what a removal does to a connection. The card is removed and inserted through the emulator's
/// control socket (`ukey emulator remove` / `insert`).
extension PCSCIntegrationTests {
    /// Events collected by a consuming task.
    final class Events: Sendable {
        private let list = Mutex<[PCSCReaderEvent]>([])
        private let failure = Mutex<PCSCError?>(nil)
        func append(_ event: PCSCReaderEvent) { list.withLock { $0.append(event) } }
        func fail(_ error: PCSCError) { failure.withLock { $0 = error } }
        var all: [PCSCReaderEvent] { list.withLock { $0 } }
        var error: PCSCError? { failure.withLock { $0 } }

        /// Waits up to `timeout` seconds until `condition` holds for the events so far.
        func wait(_ timeout: Double, until condition: ([PCSCReaderEvent]) -> Bool) async -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if condition(all) { return true }
                try? await Task.sleep(for: .milliseconds(50))
            }
            return condition(all)
        }
    }

    /// Runs `body` with the card removed, and puts it back afterwards, also on failure.
    func withCardRemoved(_ stack: PCSCTestStack, _ body: () async throws -> Void) async throws {
        try await stack.emulatorControl("remove")
        do {
            try await body()
        } catch {
            try? await stack.emulatorControl("insert")
            try? await stack.waitForCard(present: true)
            throw error
        }
        try await stack.emulatorControl("insert")
        try await stack.waitForCard(present: true)
    }

    /// Threads of this process whose name starts with `prefix` (/proc/self/task/*/comm).
    static func threads(named prefix: String) -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.filter { task in
            ((try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)) ?? "").hasPrefix(prefix)
        }.count
    }

    /// `body` on a thread of its own (for the blocking calls), awaited without blocking the pool.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }

    @Test("statusChange: unaware returns at once with the card present and its ATR; no change times out")
    func statusChangeAndTimeout() async throws {
        let stack = try await PCSCTestStack.shared()
        let context = try PCSCContext()
        let now = try #require(try await context.statusChange([PCSCReaderState(reader: stack.reader)], timeout: .seconds(5)).first)
        #expect(now.hasChanged && now.isCardPresent, "\(now.eventState)")
        #expect(now.atr == PCSCTestStack.atr)
        let started = Date()
        #expect(throws: PCSCError.timeout) { try context.statusChange([now.next], timeout: .milliseconds(400)) }
        let waited = Date().timeIntervalSince(started)
        #expect(waited >= 0.35 && waited < 3, "the wait lasted about the timeout (\(waited) s)")
    }

    @Test("cancel() from another thread ends a wait without time limit promptly with SCARD_E_CANCELLED")
    func cancelEndsWait() async throws {
        let stack = try await PCSCTestStack.shared()
        let context = try PCSCContext()
        let now = try #require(try await context.statusChange([PCSCReaderState(reader: stack.reader)], timeout: .seconds(5)).first)
        let waiter = Task {
            await Self.onThread { () -> PCSCError? in
                do throws(PCSCError) {
                    _ = try context.statusChange([now.next, PCSCReaderState(reader: PCSCReaderState.plugAndPlayReader)],
                                                 timeout: nil)
                    return nil
                } catch {
                    return error
                }
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        let cancelled = Date()
        // pcsc-lite cancels only a wait in progress; repeat until the waiter has been reached.
        let ender = Task {
            while !Task.isCancelled {
                try? context.cancel()
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        let error = await waiter.value
        ender.cancel()
        let took = Date().timeIntervalSince(cancelled)
        #expect(error == .cancelled, "\(String(describing: error))")
        // Without the cancel it would wait for ever; the bound leaves room for a loaded machine.
        // A wait without a time limit that ends at all ends because of the cancel; the bound only
        // keeps a broken cancel from passing (generous: the machine is shared).
        #expect(took < 60, "the wait ended \(took) s after the first cancel")
    }

    @Test("cancelling the task ends an async statusChange with SCARD_E_CANCELLED")
    func taskCancellationEndsAsyncWait() async throws {
        let stack = try await PCSCTestStack.shared()
        let context = try PCSCContext()
        let now = try #require(try await context.statusChange([PCSCReaderState(reader: stack.reader)], timeout: .seconds(5)).first)
        let waiter = Task { () -> PCSCError? in
            do throws(PCSCError) {
                _ = try await context.statusChange([now.next], timeout: .seconds(60))
                return nil
            } catch {
                return error
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        let cancelled = Date()
        waiter.cancel()
        let error = await waiter.value
        #expect(error == .cancelled)
        #expect(Date().timeIntervalSince(cancelled) < 45, "promptly, not after the 60 s timeout (the bound leaves room for a loaded machine)")
    }

    @Test("six async waits of 3 s run at once although the cooperative pool has two threads")
    func asyncWaitsStayOffTheCooperativePool() async throws {
        let stack = try await PCSCTestStack.shared()
        let contexts = try (0..<6).map { _ in try PCSCContext() }
        let now = try #require(try await contexts[0].statusChange([PCSCReaderState(reader: stack.reader)], timeout: .seconds(5)).first)
        let started = Date()
        let results = await withTaskGroup(of: PCSCError?.self) { group in
            for context in contexts {
                group.addTask {
                    do throws(PCSCError) {
                        _ = try await context.statusChange([now.next], timeout: .seconds(3))
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let took = Date().timeIntervalSince(started)
        #expect(results.allSatisfy { $0 == PCSCError.timeout }, "\(results)")
        // On the cooperative pool (two threads here) they would take 3 rounds: 9 s.
        #expect(took >= 2.8 && took < 15, "all six waited at the same time (six one after another: 18 s) (\(took) s)")
    }

    @Test("readerEvents: the reader and card at the start, then removal and insertion with the ATR; stops with the consumer")
    func readerEventsSeeRemovalAndInsertion() async throws {
        let stack = try await PCSCTestStack.shared()
        let threadsBefore = Self.threads(named: "pcsc-events")
        let events = Events()
        let consumer = Task {
            do throws(PCSCError) {
                // Other suites use the stack's other tokens at the same time: only this reader counts.
                for try await event in try PCSCContext().readerEvents(pollInterval: .milliseconds(500))
                    where event.reader == stack.reader {
                    events.append(event)
                }
            } catch {
                events.fail(error)
            }
        }
        defer { consumer.cancel() }
        let inserted = PCSCReaderEvent.cardInserted(reader: stack.reader, atr: PCSCTestStack.atr)
        let start = await events.wait(60) { $0.starts(with: [.readerAdded(stack.reader), inserted]) }
        #expect(start, "the first events describe what is there: \(events.all)")
        // Other suites may watch events too (TokenFinder.waitForToken): count loosely.
        // The thread names itself once it runs; on a loaded machine that can trail the first events.
        var monitors = Self.threads(named: "pcsc-events")
        for _ in 0..<600 where monitors == 0 {   // a 60 s guard: the naming is the event waited for
            try await Task.sleep(for: .milliseconds(100))
            monitors = Self.threads(named: "pcsc-events")
        }
        #expect(monitors >= 1, "the monitor runs on its own thread")

        try await withCardRemoved(stack) {
            let removed = await events.wait(60) { $0.contains(.cardRemoved(reader: stack.reader)) }
            #expect(removed, "removal is reported: \(events.all)")
        }
        let reinserted = await events.wait(60) { $0.filter { $0 == inserted }.count == 2 }
        #expect(reinserted, "insertion is reported with the ATR: \(events.all)")
        #expect(events.all == [.readerAdded(stack.reader), inserted, .cardRemoved(reader: stack.reader), inserted],
                "nothing else happened")
        #expect(events.error == nil)

        consumer.cancel()
        await consumer.value
        let gone = await events.wait(60) { _ in Self.threads(named: "pcsc-events") <= threadsBefore }
        #expect(gone, "the monitor thread ends when the consumer stops")
    }

    @Test("after a removal, transmit fails with a removed-card error, and the card works after insert + reconnect")
    func transmitAfterRemoval() async throws {
        let stack = try await PCSCTestStack.shared()
        let card = try connect(stack)
        #expect(Self.statusWord(try await card.transmit(Self.select)) == 0x9000)
        try await withCardRemoved(stack) {
            try await stack.waitForCard(present: false)
            #expect(throws: PCSCError.removedCard) { try card.transmit(Self.select) }
            #expect(throws: PCSCError.noSmartCard, "no card to connect to") { try connect(stack) }
        }
        try await card.reconnect(protocols: [.t1], initialization: .reset)
        #expect(Self.statusWord(try await card.transmit(Self.select)) == 0x9000, "the handle works again after reconnect")
    }
}
