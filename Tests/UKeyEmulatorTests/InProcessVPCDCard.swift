import CardOS
import Dispatch
import Foundation
import HostPlatform
import ISO7816
import TokenDevice
import UKeyEmulator
import PIVApplet

/// A ``VPCDCard`` over token firmware running in this process: each call takes a lock, so the
/// firmware sees one thread at a time. Used by tests that need a vpcd card without the emulator's
/// reactor (the emulator itself serves vpcd through `VPCDTokenCard`).
///
/// A command that waits for the holder (``CardOS/process(_:)`` answers ``CardOutput/waiting``)
/// completes through the ``Confirmation`` policy: press OK through every page, press Cancel, or
/// wait for ``press(_:)`` from elsewhere; while it waits, the token's own timeout is checked
/// every 100 ms.
final class InProcessVPCDCard<Memory: NonVolatileMemory & Sendable>: VPCDCard, @unchecked Sendable {
    typealias TokenPlatform = HostPlatform<Memory, SystemClock>

    /// How the simulated holder answers a confirmation.
    enum Confirmation: Sendable {
        /// Presses OK on every page: the command completes at once.
        case approve
        /// Presses Cancel: the command completes with 6985.
        case deny
        /// Someone calls ``InProcessVPCDCard/press(_:)``; otherwise the token times out (6401).
        case external
    }

    let platform: TokenPlatform
    let confirmation: Confirmation
    private let firmware: TokenFirmware<TokenPlatform>
    private let lock = NSLock()
    /// The reply of the command waiting for the holder (``Confirmation/external`` only).
    private var pendingReply: (@Sendable ([UInt8]) -> Void)? = nil
    /// Bumped whenever a waiting command ends, so an old timeout check stops.
    private var waitGeneration: UInt64 = 0

    /// Boots the firmware over `memory`, which must hold a manufactured token
    /// (``TokenFirmware/manufacture(_:serial:pin:puk:)``).
    init(memory: Memory, crypto: OpenSSLCryptoEngine = OpenSSLCryptoEngine(),
                presence: HostPresence = HostPresence(), confirmation: Confirmation = .approve) {
        platform = HostPlatform(memory: memory, crypto: crypto, presence: presence, clock: SystemClock())
        firmware = TokenFirmware(platform: platform)
        self.confirmation = confirmation
    }

    // MARK: VPCDCard

    var atr: [UInt8] { TokenFirmware<TokenPlatform>.atr }

    func powerOn() {
        endWaitingCommand { firmware.card.reset() }
    }

    func powerOff() {
        endWaitingCommand { firmware.card.reset() }
    }

    func reset() {
        endWaitingCommand { firmware.card.reset() }
    }

    func transmit(_ apdu: [UInt8], reply: @escaping @Sendable ([UInt8]) -> Void) {
        let response: [UInt8]? = locked {
            switch firmware.card.process(apdu) {
            case .response(let bytes):
                return bytes
            case .noAnswer:
                return nil
            case .waiting:
                switch confirmation {
                case .approve: return pressUntilDecided(.ok)
                case .deny: return pressUntilDecided(.cancel)
                case .external:
                    pendingReply = reply
                    waitGeneration += 1
                    scheduleTimeoutCheck(waitGeneration)
                    return nil
                }
            }
        }
        if let response { reply(response) }
    }

    // MARK: The holder

    /// A button on the token; the waiting command's reply goes out when this press decides it.
    func press(_ button: Button) {
        let decided: (reply: @Sendable ([UInt8]) -> Void, response: [UInt8])? = locked {
            guard let response = firmware.card.press(button), let reply = pendingReply else { return nil }
            pendingReply = nil
            waitGeneration += 1
            return (reply, response)
        }
        if let decided { decided.reply(decided.response) }
    }

    /// Whether a command is waiting for the holder.
    var isWaiting: Bool { locked { firmware.card.isWaiting } }

    /// The page on the token's screen while a command waits for the holder.
    var screen: Screen? { locked { firmware.card.screen } }

    // MARK: Internals

    /// Runs `body` (a reset) and forgets the waiting command's reply: a reset ends it without
    /// an answer (the link no longer expects one).
    private func endWaitingCommand(_ body: () -> Void) {
        locked {
            body()
            pendingReply = nil
            waitGeneration += 1
        }
    }

    /// Presses `button` until the open command completes (OK moves through the pages first).
    private func pressUntilDecided(_ button: Button) -> [UInt8] {
        while firmware.card.isWaiting {
            if let response = firmware.card.press(button) { return response }
        }
        return StatusWord.noPreciseDiagnosis.bytes
    }

    /// Polls the card OS for its confirmation timeout while command `generation` waits.
    private func scheduleTimeoutCheck(_ generation: UInt64) {
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(100)) { [weak self] in
            guard let self else { return }
            let outcome: (reply: (@Sendable ([UInt8]) -> Void)?, response: [UInt8]?, again: Bool) = self.locked {
                guard self.waitGeneration == generation, self.pendingReply != nil else { return (nil, nil, false) }
                guard let response = self.firmware.card.poll() else { return (nil, nil, true) }
                let reply = self.pendingReply
                self.pendingReply = nil
                self.waitGeneration += 1
                return (reply, response, false)
            }
            if let reply = outcome.reply, let response = outcome.response { reply(response) }
            if outcome.again { self.scheduleTimeoutCheck(generation) }
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}

extension InProcessVPCDCard where Memory == MemoryNVM {
    /// A factory-fresh token in memory: `serial` (8 bytes), factory PIN and PUK (ASCII digits),
    /// PIN must change.
    static func manufactured(serial: [UInt8], pin: String, puk: String,
                                    confirmation: Confirmation = .approve,
                                    presence: HostPresence = HostPresence()) throws -> InProcessVPCDCard<MemoryNVM> {
        let memory = MemoryNVM()
        var pinBytes = Array(pin.utf8), pukBytes = Array(puk.utf8)
        defer {
            for index in pinBytes.indices { pinBytes[index] = 0 }
            for index in pukBytes.indices { pukBytes[index] = 0 }
        }
        try TokenFirmware<TokenPlatform>.manufacture(memory, serial: serial, pin: pinBytes, puk: pukBytes,
                                                     piv: .wellKnownDefaults)
        return InProcessVPCDCard(memory: memory, presence: presence, confirmation: confirmation)
    }
}
