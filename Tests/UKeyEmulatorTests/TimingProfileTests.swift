import Foundation
import ISO7816
import PCSCTestSupport
import Testing
@testable import UKeyEmulator

/// Issue 20: `ukey emulator run --profile`. Lower bounds only (the machine is shared): a profile
/// never makes a command answer sooner than it says.
@Suite("Timing profiles")
struct TimingProfileTests {
    static func command(_ hex: String) -> CommandAPDU { try! CommandAPDU(parsing: [UInt8](hex: hex)!) }

    @Test("Built-in numbers: YubiKey 5 RSA-1024 sign ≥ 56 ms, key generation, NVM, USB framing")
    func builtInLowerBounds() throws {
        let sign = Self.command("002A9E9A33" + String(repeating: "01", count: 51) + "00")
        let yubikey = try TimingProfile.named("yubikey5")
        // Jitter is ±10 %: the lower bound is 90 % of the figure.
        #expect(yubikey.milliseconds(for: sign) { _ in 1024 } >= 50)
        #expect(yubikey.milliseconds(for: sign) { _ in 2048 } >= 162)
        #expect(yubikey.milliseconds(for: Self.command("0047800103800102")) { _ in 2048 } >= 5_400)
        let ushield = try TimingProfile.named("ushield")
        #expect(ushield.milliseconds(for: sign) { _ in 1024 } >= 102)
        #expect(TimingProfile.fast.milliseconds(for: sign) { _ in 1024 } == 0)
        // 64-byte packets, 19 per frame: a 4 KB command needs at least 4 frames.
        var framing = TimingProfile.fast
        framing.usbFullSpeed = true
        let long = try CommandAPDU(cla: 0x00, ins: 0xDB, p1: 0x3F, p2: 0xFF, data: [UInt8](repeating: 0, count: 4_000))
        #expect(framing.milliseconds(for: long) { _ in nil } >= 4)
        #expect(throws: EmulatorError.self) { try TimingProfile.named("slow") }
    }

    @Test("--profile FILE.json through pcscd: SELECT and VERIFY take at least their latency")
    func throughPCSC() async throws {
        guard FaultStack.available else { return }
        try await PCSCTestStack.blocking {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            var profile = TimingProfile.fast
            profile.name = "test"
            profile.selectMilliseconds = 400
            profile.nvmWriteMilliseconds = 300
            profile.usbFullSpeed = true
            let file = directory.file("profile.json")
            try JSONEncoder().encode(profile).write(to: URL(fileURLWithPath: file))
            let stack = try FaultStack(extraArguments: ["--profile", file])
            defer { stack.stop() }
            let steps = try stack.pyscard([FaultStack.select, "0020008106@PIN@", FaultStack.getData])
            #expect(steps.map { $0.sw ?? "" } == ["9000", "9000", "9000"], "\(steps)")
            #expect(steps.count == 3 && steps[0].milliseconds >= 400, "\(steps)")
            #expect(steps.count == 3 && steps[1].milliseconds >= 300, "\(steps)")
            #expect(steps.count == 3 && steps[2].milliseconds >= 1, "USB framing: at least a frame: \(steps)")
        }
    }
}
