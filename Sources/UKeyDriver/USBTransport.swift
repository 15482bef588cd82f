import USB

/// The USB pipes of a CCID reader, whatever carries them (USB/IP, libusb, a test loopback).
///
/// Every call that waits has a timeout in milliseconds, and `close()` wakes every waiter:
/// a reader never hangs pcscd. Implementations are thread-safe: pcscd's polling thread waits
/// on the interrupt pipe while another thread runs a command.
package protocol USBTransport: AnyObject, Sendable {
    /// The CCID interface found at open: endpoints and class descriptor, ids, strings.
    var device: USBDeviceInfo { get }

    /// A bulk OUT transfer of `message`, then a bulk IN transfer of up to `inLength` bytes
    /// (USB/IP: both CMD_SUBMITs in one write). Returns the IN data.
    func bulkOutIn(_ message: [UInt8], inLength: Int, timeout: Int) throws(DriverError) -> [UInt8]

    /// One more bulk IN transfer (after a time extension, or the next part of a reply).
    func bulkIn(maxLength: Int, timeout: Int) throws(DriverError) -> [UInt8]

    /// A control transfer on endpoint 0; returns the IN data stage (empty for OUT).
    func control(_ setup: USBSetupPacket, data: [UInt8], timeout: Int) throws(DriverError) -> [UInt8]

    /// Waits up to `timeout` ms for one interrupt IN message (NotifySlotChange); `nil` when
    /// none came in time or `wakeInterrupt()` was called.
    func interruptIn(timeout: Int) throws(DriverError) -> [UInt8]?

    /// Ends a pending `interruptIn` early (TAG_IFD_STOP_POLLING_THREAD).
    func wakeInterrupt()

    /// Releases the device; every pending and later call fails with `noSuchDevice`.
    func close()
}

/// What a transport learnt about the device when it opened it.
package struct USBDeviceInfo: Hashable, Sendable {
    package var deviceDescriptor: USBDeviceDescriptor
    package var interface: CCIDInterfaceDescriptor
    package var manufacturer: String?
    package var product: String?
    package var serialNumber: String?

    package init(deviceDescriptor: USBDeviceDescriptor, interface: CCIDInterfaceDescriptor,
                manufacturer: String? = nil, product: String? = nil, serialNumber: String? = nil) {
        self.deviceDescriptor = deviceDescriptor
        self.interface = interface
        self.manufacturer = manufacturer
        self.product = product
        self.serialNumber = serialNumber
    }
}
