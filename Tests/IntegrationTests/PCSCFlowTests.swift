import Foundation
import PCSC
import PCSCTestSupport
import Testing
import UKey

/// The host library through pcscd + our driver + the emulator process (token 1-2 of the shared
/// ``PCSCTestStack``), the holder pressing OK through the emulator's control socket.
/// Serialized: the PIN pad test holds a transaction on 1-2, which the flow's listing would see
/// as a busy reader.
@Suite("The banking flow through pcscd, the UKey driver and the emulator", .serialized, .enabled(if: PCSCTestStack.available))
struct PCSCFlowTests {
    @Test("personalize, confirm a transfer, the bank accepts it and rejects the replay and an altered amount")
    func flow() async throws {
        let stack = try await PCSCTestStack.shared()
        // The other tokens belong to other suites (which wait on their readers' state): only 1-2
        // is connected to, and the listing touches no other reader.
        #expect(Set(try await PCSCContext().readers()) == Set(stack.readers))
        let readers = try await TokenFinder(context: try PCSCContext()).readers(matching: stack.reader("1-2"))
        #expect(readers.map(\.name) == [stack.reader("1-2")])
        let entry = try #require(readers.first)
        #expect(entry.isToken && entry.serial?.count == 16, "\(entry)")

        let found = try await TokenFinder(context: try PCSCContext()).token(reader: stack.reader("1-2"))
        defer { found.channel.close() }
        #expect(found.reader == stack.reader("1-2"))
        #expect(try await found.token.info().serial == entry.serial)
        let flow = BankingFlow(token: found.token, factoryPIN: Secret(PCSCTestStack.factoryPIN)) {
            try await Self.pressOK(stack, token: "1-2")
        }
        try await flow.run()
    }

    /// A failing SCardControl is not "no PIN pad": only the codes pcscd gives for a driver without
    /// part 10 features are (vpcd's: APDUThroughVPCDTests). Here the card handle is gone
    /// (SCARD_E_INVALID_HANDLE), and the question is an error, where it used to answer false and
    /// the CLI fell back to a PIN typed on the PC.
    @Test("the reader's PIN pad features: our driver offers them; a SCardControl failure is an error, not \"no PIN pad\"")
    func pinPadFeaturesErrorsAreErrors() async throws {
        let stack = try await PCSCTestStack.shared()
        let found = try await TokenFinder(context: try PCSCContext()).token(reader: stack.reader("1-2"))
        #expect(try await found.token.hasPINPad(), "libifd-ukey.so offers FEATURE_VERIFY_PIN_DIRECT")
        let features = try await found.channel.pinPadFeatures()
        #expect(features.verify && features.modify)
        // While another program holds a transaction, SCardControl alone fails with
        // SCARD_E_SHARING_VIOLATION: the question waits for the transaction instead.
        let other = try await TokenFinder(context: try PCSCContext()).token(reader: stack.reader("1-2"))
        defer { other.channel.close() }
        try await other.channel.beginTransaction()
        async let asked = found.token.hasPINPad()
        try await Task.sleep(for: .milliseconds(300))
        await other.channel.endTransaction()
        #expect(try await asked, "asked after the other program's transaction, not refused during it")
        found.channel.close()
        await #expect(throws: TokenError.transport(PCSCError.invalidHandle.description)) {
            try await found.token.hasPINPad()
        }
        await #expect(throws: TokenError.transport(PCSCError.invalidHandle.description)) {
            try await found.channel.pinPadFeatures()
        }
    }

    @Test("a reader name that matches nothing is an error listing the readers")
    func unknownReader() async throws {
        _ = try await PCSCTestStack.shared()
        let readers = try await PCSCTestStack.blocking {
            let context = try PCSCContext()
            defer { context.release() }
            return try context.readers()
        }
        await #expect(throws: TokenError.noSuchReader("no such reader", readers: readers)) {
            try await TokenFinder(context: try PCSCContext()).token(reader: "no such reader")
        }
        await #expect(throws: TokenError.noSuchReader("\(readers.count)", readers: readers)) {
            try await TokenFinder(context: try PCSCContext()).token(reader: "\(readers.count)")
        }
    }

    /// Presses OK (through every page) once the token waits: waits for the token's `waiting`
    /// event (or a status that says it already waits), not against a fixed deadline (on a loaded
    /// machine the commands before the wait can take a long while to reach the token).
    static func pressOK(_ stack: PCSCTestStack, token busid: String) async throws {
        try await PCSCTestStack.blocking {
            try stack.events().waitUntilWaiting(token: busid)
            try stack.runEmulatorControl("press", ["ok"], token: busid)
        }
    }
}
