import Foundation
import UKey

/// A ``CardChannel`` over the test's USB/IP client: each APDU is a CCID XfrBlock on the
/// imported device, so a transcript runs through the emulator's USB/IP server and CCID class.
final class USBIPCardChannel: CardChannel, @unchecked Sendable {
    private let client: USBIPTestClient
    private let lock = NSLock()

    init(client: USBIPTestClient) {
        self.client = client
    }

    func transmit(_ command: [UInt8]) async throws(TokenError) -> [UInt8] {
        do { return try lock.withLock { try client.transmit(command) } }
        catch { throw .transport(String(describing: error)) }
    }
}
