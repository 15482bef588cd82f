import Foundation
import PCSC
import PCSCTestSupport
import Synchronization
import Testing

/// Transactions and reconnection, with two applications (two contexts) on the one token.
extension PCSCIntegrationTests {
    /// Set once, read from another task.
    final class Flag: Sendable {
        private let value = Mutex<Date?>(nil)
        func set() { value.withLock { $0 = Date() } }
        var date: Date? { value.withLock { $0 } }
    }

    struct BodyFailed: Error {}

    @Test("a transaction keeps a second application out until it ends; async begin waits off the pool")
    func transactionExcludesOthers() async throws {
        let stack = try await PCSCTestStack.shared()
        let first = try connect(stack)
        let second = try connect(stack)
        try await first.beginTransaction()
        let secondBegan = Flag()
        let waiting = Task {
            try await second.beginTransaction()
            secondBegan.set()
        }
        try await Task.sleep(for: .milliseconds(600))
        #expect(secondBegan.date == nil, "the second application waits while the first holds the transaction")
        #expect(Self.statusWord(try await first.transmit(Self.select)) == 0x9000, "the holder keeps working")
        let ended = Date()
        try await first.endTransaction()
        try await waiting.value
        let waited = try #require(secondBegan.date).timeIntervalSince(ended)
        // A hang guard: without the end the second application would wait for ever.
        #expect(waited < 30, "the second application gets the card after the end (\(waited) s)")
        #expect(Self.statusWord(try await second.transmit(Self.select)) == 0x9000)
        try await second.endTransaction()
    }

    @Test("withTransaction ends the transaction also when its body throws")
    func withTransactionEndsOnError() async throws {
        let stack = try await PCSCTestStack.shared()
        let first = try connect(stack)
        let second = try connect(stack)
        let response = try first.withTransaction { card in try card.transmit(Self.select) }
        #expect(Self.statusWord(response) == 0x9000)
        #expect(throws: BodyFailed.self) {
            try first.withTransaction { card in
                _ = try card.transmit(Self.select)
                throw BodyFailed()
            }
        }
        let started = Date()
        let inside = try await second.withTransaction { card in try await card.transmit(Self.select) }
        #expect(Self.statusWord(inside) == 0x9000)
        #expect(Date().timeIntervalSince(started) < 30, "no transaction was left open (a hang guard: an open one blocks for ever)")
    }

    @Test("endTransaction without a transaction fails")
    func endWithoutBegin() async throws {
        let stack = try await PCSCTestStack.shared()
        let card = try connect(stack)
        #expect(throws: PCSCError.self) { try card.endTransaction() }
    }

    @Test("reconnect with reset: the card works again, the other application's handle reports the reset once")
    func reconnectWithReset() async throws {
        let stack = try await PCSCTestStack.shared()
        let other = try connect(stack)
        #expect(Self.statusWord(try await other.transmit(Self.select)) == 0x9000)
        let card = try connect(stack)
        try await card.reconnect(share: .shared, protocols: [.t1], initialization: .reset)
        #expect(card.activeProtocol == .t1)
        #expect(try card.atr == PCSCTestStack.atr, "the same ATR after the reset")
        #expect(Self.statusWord(try await card.transmit(Self.select)) == 0x9000)
        #expect(throws: PCSCError.resetCard, "the other handle learns that its session state is gone") {
            try other.transmit(Self.getData)
        }
        try await other.reconnect(initialization: .leave)
        #expect(Self.statusWord(try await other.transmit(Self.select)) == 0x9000, "after its own reconnect it works")
    }

    @Test("async reconnect and control")
    func asyncReconnectAndControl() async throws {
        let stack = try await PCSCTestStack.shared()
        let card = try connect(stack)
        try await card.reconnect(protocols: [.t1], initialization: .unpower)
        #expect(card.activeProtocol == .t1)
        let features = try await card.control(code: PCSCCard.getFeatureRequest)
        #expect(try PCSCFeatureList(parsing: features).controlCodes[.getTLVProperties] != nil)
    }
}
