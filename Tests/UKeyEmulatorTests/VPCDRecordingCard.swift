import Foundation
import UKeyEmulator

/// A test double for ``VPCDCard``: records every call and answers each APDU with its INS byte
/// and 9000 — or, with `holdReplies`, keeps the reply for the test to send later (a command
/// waiting for the holder).
final class VPCDRecordingCard: VPCDCard, @unchecked Sendable {
    enum Call: Equatable {
        case powerOn, powerOff, reset
        case transmit([UInt8])
    }

    let atr: [UInt8]
    private let holdReplies: Bool
    private let lock = NSLock()
    private var recorded: [Call] = []
    private var held: [@Sendable ([UInt8]) -> Void] = []

    init(atr: [UInt8] = [0x3B, 0x80, 0x80, 0x01, 0x01], holdReplies: Bool = false) {
        self.atr = atr
        self.holdReplies = holdReplies
    }

    var calls: [Call] { locked { recorded } }
    var heldReplyCount: Int { locked { held.count } }

    func powerOn() { locked { recorded.append(.powerOn) } }
    func powerOff() { locked { recorded.append(.powerOff) } }
    func reset() { locked { recorded.append(.reset) } }

    func transmit(_ apdu: [UInt8], reply: @escaping @Sendable ([UInt8]) -> Void) {
        let answerNow = locked { () -> Bool in
            recorded.append(.transmit(apdu))
            if holdReplies { held.append(reply) }
            return !holdReplies
        }
        if answerNow { reply([apdu[1], 0x90, 0x00]) }
    }

    /// Sends the oldest held reply (from the calling thread, like a reactor would).
    func releaseHeldReply(_ response: [UInt8]) {
        let reply = locked { held.isEmpty ? nil : held.removeFirst() }
        reply?(response)
    }

    /// Waits until `condition` holds for the recorded calls, up to `timeout` seconds.
    func waitFor(timeout: Double = 5, _ condition: ([Call]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(calls) { return true }
            usleep(5_000)
        }
        return condition(calls)
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
