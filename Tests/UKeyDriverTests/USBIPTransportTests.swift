import CCID
import TokenDevice
import Foundation
import Testing
import USB
import USBIP
@testable import UKeyDriver

/// The USB/IP client against a minimal usbipd in the test process.
@Suite struct USBIPTransportTests {
    static func open(_ server: MiniUSBIPServer) throws -> USBIPTransport {
        try USBIPTransport(address: .unix(path: server.path), busid: MiniUSBIPServer.busid, timeout: 2_000)
    }

    @Test func importsReadsDescriptorsAndExchanges() throws {
        let server = try MiniUSBIPServer(model: FakeCCIDDevice())
        defer { server.stop() }
        let transport = try Self.open(server)
        defer { transport.close() }
        #expect(transport.importedDevice.busidString == "1-1")
        #expect(transport.device.deviceDescriptor.idVendor == 0x1209)
        #expect(transport.device.manufacturer == "UKey Test")
        #expect(transport.device.interface.bulkIn == 0x82)
        let host = CCIDHost(transport: transport, readTimeout: 2_000)
        #expect(try host.iccPowerOn() == FakeCCIDDevice.atr)
        #expect(try host.transmitAPDU([0x10, 0x20]) == [0x20, 0x10, 0x90, 0x00])
        // The bulk OUT and bulk IN of a command went out in one write.
        #expect(server.submitsPerRead.contains(2))
    }

    @Test func unknownBusIDIsNoSuchDevice() throws {
        let server = try MiniUSBIPServer(model: FakeCCIDDevice())
        defer { server.stop() }
        #expect(throws: (any Error).self) {
            try USBIPTransport(address: .unix(path: server.path), busid: "9-9", timeout: 1_000)
        }
        do {
            _ = try USBIPTransport(address: .unix(path: server.path), busid: "9-9", timeout: 1_000)
        } catch {
            #expect(IFDResponse.code(for: error) == 617)
        }
    }

    @Test func noServerIsNoSuchDevice() {
        #expect(throws: (any Error).self) {
            try USBIPTransport(address: .unix(path: "/nonexistent/ukey.sock"), busid: "1-1", timeout: 200)
        }
        #expect(throws: (any Error).self) {
            try USBIPTransport(address: .tcp(host: "127.0.0.1", port: 1), busid: "1-1", timeout: 200)
        }
    }

    @Test func slotChangeArrivesOnTheInterruptPipe() throws {
        let fake = FakeCCIDDevice()
        let server = try MiniUSBIPServer(model: fake)
        defer { server.stop() }
        let reader = Reader(transport: try Self.open(server))
        defer { reader.close() }
        #expect(try reader.waitForSlotChange(timeout: 50) == false)
        fake.setPresent(false)
        #expect(try reader.waitForSlotChange(timeout: 2_000) == true)
        #expect(reader.cachedICCStatus == .absent)
        #expect(try reader.isCardPresent() == false)
        fake.setPresent(true)
        #expect(try reader.waitForSlotChange(timeout: 2_000) == true)
        #expect(try reader.isCardPresent() == true)
    }

    @Test func stopPollingWakesTheWaiter() throws {
        let server = try MiniUSBIPServer(model: FakeCCIDDevice())
        defer { server.stop() }
        let reader = Reader(transport: try Self.open(server))
        defer { reader.close() }
        let started = Date()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { reader.stopPolling() }
        #expect(try reader.waitForSlotChange(timeout: 120_000) == false)
        #expect(Date().timeIntervalSince(started) < 60, "woken, not timed out (a hang guard)")
    }

    @Test func serverExitDuringACommandIsNoSuchDeviceWithoutHanging() throws {
        let fake = FakeCCIDDevice()
        fake.timeExtensions = 0
        let server = try MiniUSBIPServer(model: StallingDevice(fake))
        let transport = try Self.open(server)
        let host = CCIDHost(transport: transport, readTimeout: 120_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { server.stop() }
        let started = Date()
        #expect(throws: (any Error).self) { try host.transmitAPDU([0x01]) }
        #expect(Date().timeIntervalSince(started) < 60, "the exit ended the read, not its 120 s time-out (a hang guard)")
        do {
            _ = try host.transmitAPDU([0x01])
        } catch {
            #expect(IFDResponse.code(for: error) == 617)
        }
    }

    @Test func timedOutTransferIsUnlinked() throws {
        let server = try MiniUSBIPServer(model: StallingDevice(FakeCCIDDevice()))
        defer { server.stop() }
        let transport = try Self.open(server)
        defer { transport.close() }
        let host = CCIDHost(transport: transport, readTimeout: 200)
        #expect(throws: DriverError.timeout) { try host.transmitAPDU([0x01]) }
        Thread.sleep(forTimeInterval: 0.1)
        #expect(server.unlinkCount >= 1)
    }
}

/// A device that accepts bulk OUT and never answers (a wedged token).
final class StallingDevice: EmulatedUSBDevice, @unchecked Sendable {
    let inner: FakeCCIDDevice
    init(_ inner: FakeCCIDDevice) { self.inner = inner }
    func control(_ setup: USBSetupPacket, data: [UInt8]) -> ControlResult { inner.control(setup, data: data) }
    func bulkOut(_ bytes: [UInt8]) {}
    func takeBulkIn(maxLength: Int) -> [UInt8]? { nil }
    func takeInterrupt(maxLength: Int) -> [UInt8]? { nil }
    func tick() {}
}
