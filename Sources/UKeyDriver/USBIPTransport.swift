import USB
import USBIP

/// A user-space USB/IP client (the vhci role, usbip_protocol.rst): imports one bus id from a
/// usbipd (the emulator) over TCP or a unix socket and carries USB transfers as
/// USBIP_CMD_SUBMIT / USBIP_RET_SUBMIT.
///
/// A receive thread decodes what the server sends and hands each RET_SUBMIT to the thread
/// waiting for its seqnum. A command's bulk OUT and bulk IN go out in one write; the IN stays
/// pending until the reply exists. One interrupt IN is kept pending for NotifySlotChange.
/// A timed-out transfer is cancelled with USBIP_CMD_UNLINK. When the connection drops, every
/// waiter fails with `noSuchDevice`.
package final class USBIPTransport: USBTransport, @unchecked Sendable {
    package private(set) var device: USBDeviceInfo
    /// The imported device's record from OP_REP_IMPORT.
    package let importedDevice: USBIPUSBDevice

    private let socket: USBIPClientSocket
    private let devid: UInt32
    private let lock = ConditionLock()
    // Guarded by `lock`:
    private var decoder: USBIPStreamDecoder
    private var nextSeqnum: UInt32 = 1
    private var completed: [UInt32: USBIPRetSubmit] = [:]
    private var abandoned: Set<UInt32> = []
    private var interruptSeqnum: UInt32?
    private var interruptMessages: [[UInt8]] = []
    private var wakeGeneration = 0
    private var failure: DriverError?

    static let interruptLength: UInt32 = 64
    /// Slot changes kept for a poller that is not waiting (the oldest are dropped).
    static let maxQueuedInterrupts = 16

    /// Connects, imports `busid` and reads the device's descriptors.
    package init(address: DeviceName.USBIPAddress, busid: String, timeout: Int = 5_000) throws(DriverError) {
        socket = try USBIPClientSocket.connect(address, timeout: timeout)
        var decoder = USBIPStreamDecoder(role: .client)
        do throws(DriverError) {
            importedDevice = try USBIPTransport.importDevice(busid, socket: socket, decoder: &decoder, timeout: timeout)
        } catch {
            socket.close()
            throw error
        }
        devid = importedDevice.busnum << 16 | importedDevice.devnum
        self.decoder = decoder
        // Placeholder until the descriptors are read over the link itself.
        device = USBDeviceInfo(deviceDescriptor: USBDeviceDescriptor(idVendor: importedDevice.idVendor,
                                                                      idProduct: importedDevice.idProduct),
                               interface: CCIDInterfaceDescriptor(bulkOut: 0x01, bulkIn: 0x82, interruptIn: nil,
                                                                  classDescriptor: .init(bVoltageSupport: [], dwProtocols: [],
                                                                      dwDefaultClock: 0, dwMaximumClock: 0, dwDataRate: 0,
                                                                      dwMaxDataRate: 0, dwMaxIFSD: 0, dwFeatures: [],
                                                                      dwMaxCCIDMessageLength: 271)))
        Trace.log { "USB/IP imported \(busid): \(self.importedDevice.idVendor)/\(self.importedDevice.idProduct) devid \(self.devid)" }
        // Every stored property is set: from here a throw runs `deinit`, which closes the socket
        // (closing it here too would close a number another socket may have by then).
        guard startThread({ [self] in receiveLoop() }) else {
            throw .communication("cannot start the USB/IP receive thread")
        }
        do {
            device = try DescriptorReader.read { (setup) throws(DriverError) in
                try self.control(setup, data: [], timeout: timeout)
            }
            _ = try control(USBSetupPacket(bmRequestType: 0x00, bRequest: USBSetupPacket.SET_CONFIGURATION,
                                           wValue: UInt16(device.interface.bConfigurationValue)), data: [], timeout: timeout)
            lock.withLock { submitInterruptLocked() }
        } catch {
            close()
            throw error
        }
    }

    deinit { socket.close() }

    /// OP_REQ_IMPORT, then OP_REP_IMPORT within `timeout`.
    private static func importDevice(_ busid: String, socket: USBIPClientSocket, decoder: inout USBIPStreamDecoder,
                                     timeout: Int) throws(DriverError) -> USBIPUSBDevice {
        try socket.write(USBIPImportRequest(busid: busid).bytes)
        let deadline = Deadline.after(milliseconds: timeout)
        while true {
            guard let chunk = try socket.read(timeout: max(1, deadline.remainingMilliseconds)) else {
                throw .noSuchDevice("no OP_REP_IMPORT from the USB/IP server")
            }
            guard !chunk.isEmpty else { throw .noSuchDevice("USB/IP server closed the connection") }
            let message: USBIPMessage?
            do {
                try decoder.append(chunk)
                message = try decoder.next()
            } catch {
                throw .badUSBIPMessage(error)
            }
            guard let message else { continue }
            guard case .OP_REP_IMPORT(let reply) = message, reply.status == .ok, let record = reply.device else {
                throw .noSuchDevice("USB/IP import of \(busid) refused")
            }
            return record
        }
    }

    // MARK: USBTransport

    package func bulkOutIn(_ message: [UInt8], inLength: Int, timeout: Int) throws(DriverError) -> [UInt8] {
        let interface = device.interface
        let (outSeq, inSeq) = try lock.withLock { () throws(DriverError) -> (UInt32, UInt32) in
            let out = USBIPCmdSubmit.out(seqnum: takeSeqnum(), devid: devid, ep: UInt32(interface.bulkOut & 0x0F), data: message)
            let `in` = USBIPCmdSubmit.in(seqnum: takeSeqnum(), devid: devid, ep: UInt32(interface.bulkIn & 0x0F),
                                         length: UInt32(inLength))
            try sendLocked([.USBIP_CMD_SUBMIT(out), .USBIP_CMD_SUBMIT(`in`)])
            return (out.seqnum, `in`.seqnum)
        }
        return try wait(for: inSeq, alongWith: outSeq, timeout: timeout).transferBuffer
    }

    package func bulkIn(maxLength: Int, timeout: Int) throws(DriverError) -> [UInt8] {
        let interface = device.interface
        let seq = try lock.withLock { () throws(DriverError) -> UInt32 in
            let submit = USBIPCmdSubmit.in(seqnum: takeSeqnum(), devid: devid, ep: UInt32(interface.bulkIn & 0x0F),
                                           length: UInt32(maxLength))
            try sendLocked([.USBIP_CMD_SUBMIT(submit)])
            return submit.seqnum
        }
        return try wait(for: seq, timeout: timeout).transferBuffer
    }

    package func control(_ setup: USBSetupPacket, data: [UInt8], timeout: Int) throws(DriverError) -> [UInt8] {
        let seq = try lock.withLock { () throws(DriverError) -> UInt32 in
            let submit = USBIPCmdSubmit(seqnum: takeSeqnum(), devid: devid, direction: setup.isDeviceToHost ? .in : .out,
                                        ep: 0, transferBufferLength: UInt32(setup.wLength), setup: setup,
                                        transferBuffer: setup.isDeviceToHost ? [] : data)
            try sendLocked([.USBIP_CMD_SUBMIT(submit)])
            return submit.seqnum
        }
        return try wait(for: seq, timeout: timeout).transferBuffer
    }

    package func interruptIn(timeout: Int) throws(DriverError) -> [UInt8]? {
        let deadline = Deadline.after(milliseconds: timeout)
        return try lock.withLock { () throws(DriverError) -> [UInt8]? in
            let generation = wakeGeneration
            while true {
                if !interruptMessages.isEmpty { return interruptMessages.removeFirst() }
                if let failure { throw failure }
                if generation != wakeGeneration || interruptSeqnum == nil { return nil }
                if !lock.wait(until: deadline) { return nil }
            }
        }
    }

    package func wakeInterrupt() {
        lock.withLock {
            wakeGeneration += 1
            lock.broadcast()
        }
    }

    package func close() {
        lock.withLock {
            if failure == nil { failure = .noSuchDevice("reader closed") }
            lock.broadcast()
        }
        socket.shutdown()
    }

    // MARK: Internals

    private func takeSeqnum() -> UInt32 {
        defer { nextSeqnum = nextSeqnum == UInt32.max ? 1 : nextSeqnum + 1 }
        return nextSeqnum
    }

    /// Records and writes `messages` in one write (lock held).
    private func sendLocked(_ messages: [USBIPMessage]) throws(DriverError) {
        if let failure { throw failure }
        var bytes: [UInt8] = []
        for message in messages {
            do {
                try decoder.willSend(message)
            } catch {
                throw .badUSBIPMessage(error)
            }
            bytes += message.bytes
        }
        do {
            try socket.write(bytes)
        } catch {
            fail(error)
            throw error
        }
    }

    /// Waits for the RET_SUBMIT of `seqnum`; an OUT `companion` that fails ends the wait.
    private func wait(for seqnum: UInt32, alongWith companion: UInt32? = nil, timeout: Int) throws(DriverError)
        -> USBIPRetSubmit
    {
        let deadline = Deadline.after(milliseconds: timeout)
        return try lock.withLock { () throws(DriverError) -> USBIPRetSubmit in
            var companion = companion
            while true {
                if let seq = companion, let out = completed.removeValue(forKey: seq) {
                    companion = nil
                    if out.status != 0 {
                        abandonLocked(seqnum)
                        throw .communication("bulk OUT failed with status \(out.status)")
                    }
                }
                if let reply = completed.removeValue(forKey: seqnum) {
                    if let seq = companion { abandonLocked(seq, unlink: false) }
                    guard reply.status == 0 else {
                        throw reply.status == -32 ? .notSupported("endpoint stalled") :
                            .communication("transfer failed with status \(reply.status)")
                    }
                    return reply
                }
                if let failure { throw failure }
                if !lock.wait(until: deadline) {
                    if let seq = companion { abandonLocked(seq) }
                    abandonLocked(seqnum)
                    throw .timeout
                }
            }
        }
    }

    /// Forgets a transfer nobody waits for any more, cancelling it on the server.
    private func abandonLocked(_ seqnum: UInt32, unlink: Bool = true) {
        if completed.removeValue(forKey: seqnum) != nil { return }
        abandoned.insert(seqnum)
        guard unlink else { return }
        let cancel = USBIPCmdUnlink(seqnum: takeSeqnum(), devid: devid, unlinkSeqnum: seqnum)
        try? sendLocked([.USBIP_CMD_UNLINK(cancel)])
    }

    private func submitInterruptLocked() {
        guard failure == nil, let endpoint = device.interface.interruptIn else { return }
        let submit = USBIPCmdSubmit.in(seqnum: takeSeqnum(), devid: devid, ep: UInt32(endpoint & 0x0F),
                                       length: USBIPTransport.interruptLength)
        interruptSeqnum = submit.seqnum
        do {
            try sendLocked([.USBIP_CMD_SUBMIT(submit)])
        } catch {
            interruptSeqnum = nil
        }
    }

    private func fail(_ error: DriverError) {
        if failure == nil { failure = error }
        lock.broadcast()
    }

    /// The receive thread: decode, dispatch, until the connection ends.
    private func receiveLoop() {
        while true {
            let chunk: [UInt8]
            do {
                chunk = try socket.read() ?? []
            } catch {
                lock.withLock { fail(error) }
                break
            }
            let stop = lock.withLock { () -> Bool in
                guard !chunk.isEmpty else {
                    fail(.noSuchDevice("USB/IP connection closed"))
                    return true
                }
                do throws(USBIPError) {
                    try decoder.append(chunk)
                    while let message = try decoder.next() { dispatchLocked(message) }
                } catch {
                    fail(.badUSBIPMessage(error))
                    return true
                }
                lock.broadcast()
                return failure != nil
            }
            if stop { break }
        }
        socket.shutdown()
        Trace.log { "USB/IP receive thread ends" }
    }

    private func dispatchLocked(_ message: USBIPMessage) {
        guard case .USBIP_RET_SUBMIT(let reply) = message else { return }
        if reply.seqnum == interruptSeqnum {
            interruptSeqnum = nil
            if reply.status == 0 {
                if !reply.transferBuffer.isEmpty {
                    if interruptMessages.count >= USBIPTransport.maxQueuedInterrupts { interruptMessages.removeFirst() }
                    interruptMessages.append(reply.transferBuffer)
                }
                submitInterruptLocked()
            }
        } else if abandoned.remove(reply.seqnum) == nil {
            completed[reply.seqnum] = reply
        }
    }
}
