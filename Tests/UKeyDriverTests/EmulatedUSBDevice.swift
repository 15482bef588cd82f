import TokenDevice
import USB
import USBIP

/// What the test transports need from a USB device: the `TokenDevice` surface. The real
/// token and `FakeCCIDDevice` both conform, so USB/IP tests run even without the firmware.
protocol EmulatedUSBDevice: AnyObject {
    func control(_ setup: USBSetupPacket, data: [UInt8]) -> ControlResult
    func bulkOut(_ bytes: [UInt8])
    func takeBulkIn(maxLength: Int) -> [UInt8]?
    func takeInterrupt(maxLength: Int) -> [UInt8]?
    func tick()
}

extension TokenDevice: EmulatedUSBDevice {}
