#if canImport(Glibc)
import Glibc
#endif
import CLibUSB
import Synchronization
import USB

/// A CCID reader on a local USB bus, through libusb: opens the device by vendor/product id
/// (and bus/address when pcscd's hotplug names one), finds the CCID interface (class 0x0B)
/// from the configuration descriptor, claims it (detaching a kernel driver), and runs
/// synchronous bulk and control transfers with timeouts. LIBUSB_ERROR_NO_DEVICE (unplug)
/// becomes `noSuchDevice`.
///
/// The interrupt pipe is read as libccid reads it (ccid_usb.c, InterruptRead): one
/// asynchronous transfer for the whole wait, completed by libusb's event loop, which
/// `wakeInterrupt()` and `close()` cancel at once. `close()` waits for transfers in flight
/// before releasing the handle.
package final class LibUSBTransport: USBTransport, @unchecked Sendable {
    /// A constant: read on every transfer, and a stored `var` of a class is checked for
    /// exclusive access at run time on each read.
    package let device: USBDeviceInfo
    private let context: OpaquePointer
    private let handle: OpaquePointer
    private let lock = ConditionLock()
    // Guarded by `lock`:
    private var inFlight = 0
    private var closed = false
    private var wakeGeneration = 0
    /// The interrupt transfer being waited for, to cancel.
    private var pollingTransfer: UnsafeMutablePointer<libusb_transfer>?
    /// Whether the CCID interface was claimed (and so is released by `deinit`).
    private var claimed = false
    /// Where bulk IN transfers land, dwMaxCCIDMessageLength bytes allocated once; each reply is
    /// copied out at its own length (a large allocation per reply cost more than the copy).
    private let receiveBuffer = Mutex<[UInt8]>([])
    static let interruptLength = 64

    package init(vendorID: UInt16, productID: UInt16, bus: Int? = nil, address: Int? = nil,
                timeout: Int = 5_000) throws(DriverError) {
        var context: OpaquePointer?
        guard libusb_init(&context) == 0, let context else { throw .noSuchDevice("libusb_init failed") }
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(context, &list)
        var handle: OpaquePointer?
        if count > 0, let list {
            for index in 0..<count {
                guard let candidate = list[index] else { continue }
                var descriptor = libusb_device_descriptor()
                guard libusb_get_device_descriptor(candidate, &descriptor) == 0,
                      descriptor.idVendor == vendorID, descriptor.idProduct == productID else { continue }
                if let bus, Int(libusb_get_bus_number(candidate)) != bus { continue }
                if let address, Int(libusb_get_device_address(candidate)) != address { continue }
                if libusb_open(candidate, &handle) == 0 { break }
                handle = nil
            }
            libusb_free_device_list(list, 1)
        }
        guard let handle else {
            libusb_exit(context)
            throw .noSuchDevice("no openable USB device \(DeviceName.usb(vendorID: vendorID, productID: productID, bus: bus, address: address))")
        }
        let device: USBDeviceInfo
        do {
            device = try DescriptorReader.read { (setup) throws(DriverError) in
                try LibUSBTransport.control(handle, setup, data: [], timeout: timeout)
            }
        } catch {
            libusb_close(handle)
            libusb_exit(context)
            throw error
        }
        self.context = context
        self.handle = handle
        self.device = device
        // Every stored property is set: from here a throw runs `deinit`, which closes the handle
        // and the context (closing them here as well would free them twice).
        _ = libusb_set_auto_detach_kernel_driver(handle, 1)
        let result = libusb_claim_interface(handle, Int32(device.interface.bInterfaceNumber))
        guard result == 0 else { throw LibUSBTransport.error(result, "libusb_claim_interface") }
        claimed = true
    }

    deinit {
        if claimed { libusb_release_interface(handle, Int32(device.interface.bInterfaceNumber)) }
        libusb_close(handle)
        libusb_exit(context)
    }

    // MARK: USBTransport

    /// The OUT and the IN transfer run as one call in flight (one lock round trip each way,
    /// not two), with the receive buffer held across both.
    package func bulkOutIn(_ message: [UInt8], inLength: Int, timeout: Int) throws(DriverError) -> [UInt8] {
        try receiving(maxLength: inLength) { (handle, storage) throws(DriverError) -> Int in
            var done: Int32 = 0
            // libusb only reads the buffer of an OUT transfer (its parameter is not const because
            // IN transfers share the call): the message is passed as it is, not copied.
            let result = message.withUnsafeBufferPointer {
                libusb_bulk_transfer(handle, device.interface.bulkOut, UnsafeMutablePointer(mutating: $0.baseAddress),
                                     Int32($0.count), &done, UInt32(timeout))
            }
            guard result >= 0 else { throw LibUSBTransport.error(result, "transfer") }
            guard Int(done) == message.count else {
                throw .communication("bulk OUT wrote \(done) of \(message.count) bytes")
            }
            return try bulkIn(handle, storage, timeout: timeout)
        }
    }

    package func bulkIn(maxLength: Int, timeout: Int) throws(DriverError) -> [UInt8] {
        try receiving(maxLength: maxLength) { (handle, storage) throws(DriverError) -> Int in
            try bulkIn(handle, storage, timeout: timeout)
        }
    }

    /// One bulk IN transfer into `storage`: the bytes received (at most its count).
    private func bulkIn(_ handle: OpaquePointer, _ storage: UnsafeMutableBufferPointer<UInt8>,
                        timeout: Int) throws(DriverError) -> Int {
        var done: Int32 = 0
        let result = libusb_bulk_transfer(handle, device.interface.bulkIn, storage.baseAddress, Int32(storage.count),
                                          &done, UInt32(timeout))
        guard result >= 0 else { throw LibUSBTransport.error(result, "transfer") }
        return min(max(Int(done), 0), storage.count)
    }

    /// Runs `body` in flight with the first `maxLength` bytes of the receive buffer; returns
    /// the first bytes it says it received, copied out at their own length.
    private func receiving(maxLength: Int, _ body: (OpaquePointer, UnsafeMutableBufferPointer<UInt8>) throws(DriverError) -> Int)
        throws(DriverError) -> [UInt8]
    {
        try receiveBuffer.withLock { (buffer) throws(DriverError) -> [UInt8] in
            if buffer.count < maxLength { buffer = [UInt8](repeating: 0, count: maxLength) }
            let received = try buffer.withUnsafeMutableBufferPointer { (all) throws(DriverError) -> Int in
                let storage = UnsafeMutableBufferPointer(rebasing: all[..<maxLength])
                return try whileInFlight { (handle) throws(DriverError) -> Int in
                    min(try body(handle, storage), maxLength)
                }
            }
            return Array(buffer[..<received])
        }
    }

    package func control(_ setup: USBSetupPacket, data: [UInt8], timeout: Int) throws(DriverError) -> [UInt8] {
        try whileInFlight { (handle) throws(DriverError) -> [UInt8] in
            try LibUSBTransport.control(handle, setup, data: data, timeout: timeout)
        }
    }

    /// One control transfer on `handle`: the IN data stage (empty for OUT).
    private static func control(_ handle: OpaquePointer, _ setup: USBSetupPacket, data: [UInt8], timeout: Int)
        throws(DriverError) -> [UInt8]
    {
        var buffer = setup.isDeviceToHost ? [UInt8](repeating: 0, count: Int(setup.wLength)) : data
        let result = buffer.withUnsafeMutableBufferPointer {
            libusb_control_transfer(handle, setup.bmRequestType, setup.bRequest, setup.wValue, setup.wIndex,
                                    $0.baseAddress, UInt16($0.count), UInt32(timeout))
        }
        guard result >= 0 else { throw LibUSBTransport.error(result, "transfer") }
        return setup.isDeviceToHost ? Array(buffer[0..<min(Int(result), buffer.count)]) : []
    }

    package func interruptIn(timeout: Int) throws(DriverError) -> [UInt8]? {
        guard let endpoint = device.interface.interruptIn else { return nil }
        let generation = lock.withLock { wakeGeneration }
        guard let transfer = libusb_alloc_transfer(0) else { throw .communication("libusb_alloc_transfer failed") }
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: LibUSBTransport.interruptLength)
        let completed = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        completed.pointee = 0
        defer {
            libusb_free_transfer(transfer)
            buffer.deallocate()
            completed.deallocate()
        }
        libusb_fill_interrupt_transfer(transfer, handle, endpoint, buffer, Int32(LibUSBTransport.interruptLength),
                                       { $0?.pointee.user_data.assumingMemoryBound(to: Int32.self).pointee = 1 },
                                       completed, UInt32(max(1, timeout)))
        // Submitted and published under the lock: a wake from here on cancels it.
        let submitted = try lock.withLock { () throws(DriverError) -> Bool in
            guard !closed else { throw .noSuchDevice("reader closed") }
            guard wakeGeneration == generation else { return false }
            let result = libusb_submit_transfer(transfer)
            guard result == 0 else { throw LibUSBTransport.error(result, "libusb_submit_transfer") }
            pollingTransfer = transfer
            inFlight += 1
            return true
        }
        guard submitted else { return nil }
        // The callback sets `completed` from whichever thread handles events (libusb's
        // documented pattern for libusb_handle_events_completed). The transfer is freed only
        // once completed: after an event-loop error it is cancelled and still waited for.
        var failure: Int32 = 0
        while completed.pointee == 0 {
            let result = libusb_handle_events_completed(context, completed)
            guard result < 0, result != LIBUSB_ERROR_INTERRUPTED.rawValue else { continue }
            if failure == 0 {
                failure = result
                libusb_cancel_transfer(transfer)
            }
            usleep(1_000)
        }
        lock.withLock {
            pollingTransfer = nil
            inFlight -= 1
            lock.broadcast()
        }
        if failure != 0 { throw LibUSBTransport.error(failure, "libusb_handle_events") }
        switch transfer.pointee.status {
        case LIBUSB_TRANSFER_COMPLETED:
            let count = Int(transfer.pointee.actual_length)
            return count > 0 ? Array(UnsafeBufferPointer(start: buffer, count: count)) : nil
        case LIBUSB_TRANSFER_TIMED_OUT, LIBUSB_TRANSFER_CANCELLED:
            if lock.withLock({ closed }) { throw .noSuchDevice("reader closed") }
            return nil
        case LIBUSB_TRANSFER_NO_DEVICE: throw .noSuchDevice("device unplugged")
        case LIBUSB_TRANSFER_STALL: throw .notSupported("endpoint stalled")
        default: throw .communication("interrupt transfer status \(transfer.pointee.status.rawValue)")
        }
    }

    package func wakeInterrupt() {
        lock.withLock {
            wakeGeneration += 1
            if let pollingTransfer { libusb_cancel_transfer(pollingTransfer) }
        }
    }

    package func close() {
        lock.withLock {
            closed = true
            wakeGeneration += 1
            if let pollingTransfer { libusb_cancel_transfer(pollingTransfer) }
            let deadline = Deadline.after(milliseconds: 15_000)
            while inFlight > 0, lock.wait(until: deadline) {}
        }
    }

    // MARK: Internals

    /// Runs `body` (libusb calls) unless closed, counting it in flight. Only `close()` waits
    /// for the count to fall: it is woken only once closed.
    private func whileInFlight<T>(_ body: (OpaquePointer) throws(DriverError) -> T) throws(DriverError) -> T {
        try lock.withLock { () throws(DriverError) in
            guard !closed else { throw DriverError.noSuchDevice("reader closed") }
            inFlight += 1
        }
        defer {
            lock.withLock {
                inFlight -= 1
                if closed { lock.broadcast() }
            }
        }
        return try body(handle)
    }

    static func error(_ code: Int32, _ call: String) -> DriverError {
        switch code {
        case LIBUSB_ERROR_TIMEOUT.rawValue: return .timeout
        case LIBUSB_ERROR_NO_DEVICE.rawValue: return .noSuchDevice("device unplugged")
        case LIBUSB_ERROR_PIPE.rawValue: return .notSupported("endpoint stalled")
        default: return .communication("\(call): " + String(cString: libusb_error_name(code)))
        }
    }
}
