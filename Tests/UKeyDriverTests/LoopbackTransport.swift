import Foundation
import TokenDevice
import USB
import USBIP
@testable import UKeyDriver

/// A `USBTransport` straight into an in-process device: no sockets. While the host waits for
/// a bulk IN reply, `onIdle` runs (tests advance the token's clock and press its buttons there).
final class LoopbackTransport: USBTransport, @unchecked Sendable {
    let model: any EmulatedUSBDevice
    private(set) var device: USBDeviceInfo
    /// Runs each time a bulk IN finds no reply yet.
    var onIdle: (@Sendable () -> Void)?
    private let lock = NSLock()
    private var replies: [[UInt8]] = []
    private var closed = false

    init(_ model: any EmulatedUSBDevice) throws {
        self.model = model
        device = USBDeviceInfo(deviceDescriptor: USBDeviceDescriptor(idVendor: 0, idProduct: 0),
                               interface: CCIDInterfaceDescriptor(bulkOut: 1, bulkIn: 0x82, interruptIn: 0x83,
                                                                  classDescriptor: FakeCCIDDevice.classDescriptor))
        device = try DescriptorReader.read { (setup) throws(DriverError) in
            try self.control(setup, data: [], timeout: 1000)
        }
    }

    /// Every bulk IN transfer returned so far (to count time extensions).
    var bulkInReplies: [[UInt8]] { lock.withLock { replies } }
    /// Every message sent on bulk OUT, in order.
    var bulkOutMessages: [[UInt8]] { lock.withLock { sent } }
    private var sent: [[UInt8]] = []

    func bulkOutIn(_ message: [UInt8], inLength: Int, timeout: Int) throws(DriverError) -> [UInt8] {
        try checkOpen()
        lock.withLock { sent.append(message) }
        model.bulkOut(message)
        return try bulkIn(maxLength: inLength, timeout: timeout)
    }

    func bulkIn(maxLength: Int, timeout: Int) throws(DriverError) -> [UInt8] {
        let deadline = Date().addingTimeInterval(Double(max(timeout, 1)) / 1000)
        while true {
            try checkOpen()
            model.tick()
            if let reply = model.takeBulkIn(maxLength: maxLength) {
                lock.withLock { replies.append(reply) }
                return reply
            }
            guard Date() < deadline else { throw .timeout }
            onIdle?()
            usleep(500)
        }
    }

    func control(_ setup: USBSetupPacket, data: [UInt8], timeout: Int) throws(DriverError) -> [UInt8] {
        switch model.control(setup, data: data) {
        case .data(let bytes): return bytes
        case .ok: return []
        case .stall: throw .notSupported("stall")
        }
    }

    func interruptIn(timeout: Int) throws(DriverError) -> [UInt8]? {
        let deadline = Date().addingTimeInterval(Double(timeout) / 1000)
        repeat {
            try checkOpen()
            if let message = model.takeInterrupt(maxLength: 64) { return message }
            usleep(1000)
        } while Date() < deadline
        return nil
    }

    func wakeInterrupt() {}
    func close() { lock.withLock { closed = true } }

    private func checkOpen() throws(DriverError) {
        if lock.withLock({ closed }) { throw .noSuchDevice("closed") }
    }
}
