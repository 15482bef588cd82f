import UKeyTestCA
import Foundation
import PCSC
import PCSCTestSupport
import Synchronization
import Testing
import UKey

/// Pulling the token out while it waits for the holder ends `confirmTransfer` with
/// `TokenError.removed` well before the confirmation time-out — not a hang (token 1-3 of the shared stack).
@Suite("Removal during a confirmation", .enabled(if: PCSCTestStack.available))
struct RemovalDuringConfirmationTests {
    @Test("confirmTransfer throws TokenError.removed on the removal, not at the time-out; waitForToken sees it come back")
    func removal() async throws {
        let stack = try await PCSCTestStack.shared()
        try await stack.waitForCard(present: true, token: "1-3")
        let context = try PCSCContext()
        let found = try await TokenFinder(context: context).token(reader: stack.reader("1-3"))
        let ca = try TestCertificateAuthority()
        // The new transfer key waits for the holder's OK.
        async let keyApproved: Void = PCSCFlowTests.pressOK(stack, token: "1-3")
        _ = try await found.token.personalize(factoryPIN: Secret(PCSCTestStack.factoryPIN), newPIN: "24681357",
                                              subject: "CN=Removal Test") { request, transferKey in
            try ca.issueTransferCertificate(for: request, recordedTransferKey: transferKey)
        }
        try await keyApproved

        // Subscribed before the confirmation starts: its `waiting` event cannot be missed, and the
        // wait ends with the confirmation's own error if it fails before the screen shows.
        let events = try await PCSCTestStack.blocking { try stack.events() }
        let ended = Mutex(false)
        let confirmation = Task {
            defer { ended.withLock { $0 = true } }
            return try await found.token.confirmTransfer(BankingFlow.transfer, challenge: Array(repeating: 0x5A, count: 16))
        }
        do {
            try await PCSCTestStack.blocking { try events.waitUntilWaiting(token: "1-3") { ended.withLock { $0 } } }
        } catch {
            _ = try await confirmation.value
            throw error
        }
        let removedAt = ContinuousClock.now
        try await stack.emulatorControl("remove", token: "1-3")
        let result = await confirmation.result
        let elapsed = ContinuousClock.now - removedAt
        #expect(throws: TokenError.removed) { try result.get() }
        #expect(elapsed < .seconds(30), "ended \(elapsed) after the removal, not at the 120 s confirmation time-out")
        found.channel.close()

        // Waiting for the token: nothing within the timeout while it is out, then it comes back.
        let finder = TokenFinder(context: context)
        let waitStart = ContinuousClock.now
        await #expect(throws: TokenError.noToken) {
            try await finder.waitForToken(reader: stack.reader("1-3"), timeout: .milliseconds(800))
        }
        #expect(ContinuousClock.now - waitStart < .seconds(15), "the 800 ms timeout holds even when no event comes (a hang guard)")
        let waiting = Task { try await finder.waitForToken(reader: stack.reader("1-3"), timeout: .seconds(20)) }
        try await Task.sleep(for: .milliseconds(300))
        try await stack.emulatorControl("insert", token: "1-3")
        let again = try await waiting.value
        defer { again.channel.close() }
        #expect(again.reader == stack.reader("1-3"))
        let info = try await again.token.info()
        #expect(info.transferKey == .rsa1024 && info.transferCounter == 0,
                "the transfer interrupted by the removal was never signed: \(info.transferCounter)")
    }
}
