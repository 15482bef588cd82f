import Foundation
import Testing
import UKey

/// `CardChannel.transaction`, both overloads (a `throws(TokenError)` body and a body with errors
/// of its own), on a channel that records the calls: begin, the body, end on every path; a
/// failed begin runs no body and ends nothing; the body's value or error comes back unchanged.
@Suite struct CardChannelTransactionTests {
    final class RecordingChannel: CardChannel, @unchecked Sendable {
        private let lock = NSLock()
        private var recorded: [String] = []
        let beginFails: Bool

        init(beginFails: Bool = false) { self.beginFails = beginFails }

        var calls: [String] { lock.withLock { recorded } }
        func record(_ call: String) { lock.withLock { recorded.append(call) } }

        func transmit(_ command: [UInt8]) async throws(TokenError) -> [UInt8] { [0x90, 0x00] }
        func beginTransaction() async throws(TokenError) {
            record("begin")
            if beginFails { throw .removed }
        }
        func endTransaction() async { record("end") }
    }

    struct OwnError: Error, Equatable {}

    @Test("typed body: the value, or its TokenError, with the transaction ended either way")
    func typedBody() async throws {
        let channel = RecordingChannel()
        let value = try await channel.transaction { () async throws(TokenError) -> Int in
            channel.record("body")
            return 7
        }
        #expect(value == 7 && channel.calls == ["begin", "body", "end"])

        let failing = RecordingChannel()
        do throws(TokenError) {
            _ = try await failing.transaction { () async throws(TokenError) -> Int in
                failing.record("body")
                throw .userDenied
            }
            Issue.record("the body's error was not thrown")
        } catch {
            #expect(error == .userDenied)  // statically a TokenError: the typed overload
        }
        #expect(failing.calls == ["begin", "body", "end"])
    }

    @Test("untyped body: the value, or its own error, with the transaction ended either way")
    func untypedBody() async throws {
        let channel = RecordingChannel()
        let value = try await channel.transaction { () async throws -> String in
            channel.record("body")
            return "done"
        }
        #expect(value == "done" && channel.calls == ["begin", "body", "end"])

        let failing = RecordingChannel()
        await #expect(throws: OwnError()) {
            try await failing.transaction { () async throws -> Int in
                failing.record("body")
                throw OwnError()
            }
        }
        #expect(failing.calls == ["begin", "body", "end"])
    }

    @Test("a failed begin throws its TokenError, runs no body and ends nothing (both overloads)")
    func beginFails() async throws {
        let typed = RecordingChannel(beginFails: true)
        do throws(TokenError) {
            _ = try await typed.transaction { () async throws(TokenError) -> Int in
                typed.record("body")
                return 1
            }
            Issue.record("begin's error was not thrown")
        } catch {
            #expect(error == .removed)
        }
        #expect(typed.calls == ["begin"])

        let untyped = RecordingChannel(beginFails: true)
        await #expect(throws: TokenError.removed) {
            try await untyped.transaction { () async throws -> Int in
                untyped.record("body")
                return 1
            }
        }
        #expect(untyped.calls == ["begin"])
    }
}
