import CardOS
import Foundation
import HostPlatform
import TokenDevice
import USB
import USBIP
import PIVApplet

typealias TestPlatform = HostPlatform<MemoryNVM, ManualClock>

/// A manufactured token in memory on a manual clock, with a lock: TokenDevice is driven by
/// one thread at a time.
final class TokenFixture: @unchecked Sendable {
    static let pin = Array("123456".utf8)
    static let newPIN = Array("654321".utf8)
    static let puk = Array("12345678".utf8)
    static let serial: [UInt8] = [0x55, 0x4B, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]

    let clock = ManualClock()
    let platform: TestPlatform
    let device: TokenDevice<TestPlatform>
    private let lock = NSRecursiveLock()

    init(exchange: ExchangeLevel = .extendedAPDU) {
        let memory = MemoryNVM()
        try! TokenFirmware<TestPlatform>.manufacture(memory, serial: TokenFixture.serial, pin: TokenFixture.pin,
                                                     puk: TokenFixture.puk, piv: .wellKnownDefaults)
        platform = TestPlatform(memory: memory, clock: clock)
        device = TokenDevice(firmware: TokenFirmware(platform: platform), serial: TokenFixture.serial,
                             exchange: exchange)
    }

    func locked<T>(_ body: (TokenDevice<TestPlatform>) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(device)
    }

    /// Lets `milliseconds` of token time pass.
    func advance(_ milliseconds: UInt64) {
        locked { device in
            clock.advance(by: milliseconds)
            device.tick()
        }
    }

    /// Presses OK until the waiting command completes (one press per page).
    func confirm() {
        locked { device in
            for _ in 0..<16 where device.isBusy { device.press(.ok) }
        }
    }
}

/// A device guarded by a fixture's lock, for the transports.
final class LockedDevice: EmulatedUSBDevice, @unchecked Sendable {
    let fixture: TokenFixture
    init(_ fixture: TokenFixture) { self.fixture = fixture }
    func control(_ setup: USBSetupPacket, data: [UInt8]) -> ControlResult { fixture.locked { $0.control(setup, data: data) } }
    func bulkOut(_ bytes: [UInt8]) { fixture.locked { $0.bulkOut(bytes) } }
    func takeBulkIn(maxLength: Int) -> [UInt8]? { fixture.locked { $0.takeBulkIn(maxLength: maxLength) } }
    func takeInterrupt(maxLength: Int) -> [UInt8]? { fixture.locked { $0.takeInterrupt(maxLength: maxLength) } }
    func tick() { fixture.locked { $0.tick() } }
}
