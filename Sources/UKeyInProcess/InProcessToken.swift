import CardOS
import Foundation
import HostPlatform
import TokenDevice
import UKey
import PIVApplet

/// A token whose firmware runs in this process, behind the same ``CardChannel`` interface as a
/// token reached through PC/SC: for fast tests, benchmarks and `ukey --in-process`.
///
/// The holder is simulated by ``Confirmation``: approve (press OK through every page), deny, or
/// external (wait for ``press(_:)`` from another task, until the token's own timeout).
public final class InProcessToken<Memory: NonVolatileMemory>: CardChannel, @unchecked Sendable {
    public typealias TokenPlatform = HostPlatform<Memory, SystemClock>

    /// How the simulated holder answers a confirmation.
    public enum Confirmation: Sendable {
        case approve
        case deny
        /// Someone calls ``InProcessToken/press(_:)``.
        case external
    }

    public let platform: TokenPlatform
    private let firmware: TokenFirmware<TokenPlatform>
    private let lock = NSLock()
    private var decided: [UInt8]? = nil
    private var holder: Confirmation

    /// How the simulated holder answers from now on (tests personalize with ``Confirmation/approve``,
    /// then deny).
    public var confirmation: Confirmation {
        get { locked { holder } }
        set { locked { holder = newValue } }
    }

    /// Boots the firmware over `memory`, which must hold a manufactured token.
    public init(memory: Memory, confirmation: Confirmation = .approve, presence: HostPresence = HostPresence()) {
        platform = HostPlatform(memory: memory, crypto: InProcessCrypto.shared, presence: presence, clock: SystemClock())
        firmware = TokenFirmware(platform: platform)
        holder = confirmation
    }

    /// Sends one command APDU; a CONFIRM TRANSFER returns once the simulated holder decided.
    public func transmit(_ command: [UInt8]) async throws(TokenError) -> [UInt8] {
        let output = locked { firmware.card.process(command) }
        switch output {
        case .response(let bytes): return bytes
        case .noAnswer: throw InProcessToken.powerLost
        case .waiting: break
        }
        switch locked({ holder }) {
        case .approve:
            guard let response = locked({ pressUntilDecided(.ok) }) else { throw InProcessToken.powerLost }
            return response
        case .deny:
            guard let response = locked({ pressUntilDecided(.cancel) }) else { throw InProcessToken.powerLost }
            return response
        case .external:
            while true {
                if let response = locked({ () -> [UInt8]? in
                    defer { decided = nil }
                    return decided ?? firmware.card.poll()
                }) {
                    return response
                }
                if locked({ !firmware.card.isWaiting && decided == nil }) { throw InProcessToken.powerLost }
                do { try await Task.sleep(nanoseconds: 5_000_000) }
                catch { throw .transport(String(describing: error)) }
            }
        }
    }

    /// A button on the token (for ``Confirmation/external``).
    public func press(_ button: Button) {
        locked {
            if let response = firmware.card.press(button) { decided = response }
        }
    }

    /// The page on the token's screen, if it is waiting for the holder.
    public var screen: Screen? { locked { firmware.card.screen } }

    /// Power cycle: ends a waiting command and clears the security state.
    public func reset() {
        locked { firmware.card.reset() }
    }

    /// The answer once the holder decided; `nil` when power failed while completing the
    /// command (``CardOutput/noAnswer``).
    private func pressUntilDecided(_ button: Button) -> [UInt8]? {
        while firmware.card.isWaiting {
            if let response = firmware.card.press(button) { return response }
        }
        return nil
    }

    /// What a command gets when power failed during its NVM commit (a torn write): the token
    /// sent nothing, as a reader reports a mute card. The memory (``NonVolatileMemory/hasLostPower``)
    /// holds the last committed state; power it up again to go on.
    static var powerLost: TokenError { .transport("the token did not answer: it lost power during the command") }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}

extension InProcessToken where Memory == MemoryNVM {
    /// A factory-fresh token in memory with the given serial, factory PIN and PUK, and PIV
    /// secrets (by default ``PIVCredentials/wellKnownDefaults``); `keypadOnly` sets the policy
    /// `pin-entry keypad-only`.
    public static func manufactured(serial: [UInt8], pin: String, puk: String,
                                    piv: PIVCredentials = .wellKnownDefaults,
                                    confirmation: Confirmation = .approve,
                                    keypadOnly: Bool = false) throws -> InProcessToken<MemoryNVM> {
        let memory = MemoryNVM()
        try TokenFirmware<TokenPlatform>.manufacture(memory, serial: serial, pin: Array(pin.utf8), puk: Array(puk.utf8),
                                                     piv: piv, keypadOnly: keypadOnly)
        return InProcessToken(memory: memory, confirmation: confirmation)
    }
}

/// One crypto engine for every in-process token (its key cache is shared and locked).
enum InProcessCrypto {
    static let shared = OpenSSLCryptoEngine()
}
