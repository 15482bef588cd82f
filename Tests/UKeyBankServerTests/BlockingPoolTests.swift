import Foundation
import Synchronization
import Testing
@testable import UKeyBankServer

/// The service's off-event-loop work (`BankService.offLoop`) runs on a pool of as many threads as
/// the machine has cores: a burst of blocking jobs never runs more at once than that, and every
/// job runs.
@Suite struct BlockingPoolTests {
    @Test("32 blocking jobs through offLoop: never more at once than the machine's cores, all of them run")
    func offLoopIsBounded() async throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        #expect(BankService.blockingPool.threads == cores)
        let tracker = Tracker()
        let finished = try await withThrowingTaskGroup(of: Int.self) { group in
            for job in 0..<32 {
                group.addTask {
                    try await BankService.offLoop { () -> Int in
                        tracker.enter()
                        usleep(20_000) // a commit's fsync, a database round trip
                        tracker.leave()
                        return job
                    }
                }
            }
            var all: [Int] = []
            for try await job in group { all.append(job) }
            return all.sorted()
        }
        #expect(finished == Array(0..<32))
        #expect(tracker.most <= cores)
        #expect(tracker.most >= 1)
    }

    /// How many jobs run at once, and the most that ever did.
    final class Tracker: Sendable {
        private let state = Mutex((running: 0, most: 0))
        func enter() { state.withLock { $0.running += 1; $0.most = max($0.most, $0.running) } }
        func leave() { state.withLock { $0.running -= 1 } }
        var most: Int { state.withLock { $0.most } }
    }
}
