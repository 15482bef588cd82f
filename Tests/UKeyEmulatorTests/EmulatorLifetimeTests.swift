import Foundation
import Testing
import UKeyEmulator

/// An in-process emulator gives back everything it holds once it has stopped.
@Suite("Emulator lifetime", .serialized)
struct EmulatorLifetimeTests {
    @Test("a started and stopped emulator is freed: no reference cycle through its thread (LeakSanitizer finding)")
    func stoppedEmulatorIsFreed() async throws {
        weak var released: Emulator?
        do {
            let harness = try EmulatorHarness()
            released = harness.emulator
            harness.stop()
        }
        // The reactor thread lets go of the emulator when it exits, just after shutdown() returns.
        let deadline = Date().addingTimeInterval(60)   // a guard against a leak, not a time limit
        while released != nil && Date() < deadline { try await Task.sleep(nanoseconds: 10_000_000) }
        #expect(released == nil, "the stopped emulator is still alive")
    }
}
