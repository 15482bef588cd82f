import CardOS
import Foundation
import HostPlatform
import TokenDevice
import UKey
import PIVApplet

/// The reference for "identical results": the same firmware in memory, APDUs straight into the
/// card OS, the holder pressing OK through every page.
final class FirmwareCardChannel: CardChannel, @unchecked Sendable {
    typealias Platform = HostPlatform<MemoryNVM, SystemClock>

    private let firmware: TokenFirmware<Platform>
    private let lock = NSLock()

    init(serial: [UInt8], pin: String, puk: String) throws {
        let memory = MemoryNVM()
        try TokenFirmware<Platform>.manufacture(memory, serial: serial, pin: Array(pin.utf8), puk: Array(puk.utf8),
                                                piv: .wellKnownDefaults)
        firmware = TokenFirmware(platform: Platform(memory: memory, crypto: OpenSSLCryptoEngine(), presence: HostPresence(),
                                                    clock: SystemClock()))
    }

    func transmit(_ command: [UInt8]) async throws(TokenError) -> [UInt8] {
        lock.withLock {
            switch firmware.card.process(command) {
            case .response(let bytes):
                return bytes
            case .waiting:
                while firmware.card.isWaiting {
                    if let response = firmware.card.press(.ok) { return response }
                }
                return []
            case .noAnswer:
                return []
            }
        }
    }
}
