import USB

/// A USB/IP reader whose link comes back (issue 15): the emulator or usbipd restarts, and the
/// reader shows its token again instead of staying empty until pcscd restarts.
///
/// It carries the calls of one ``USBIPTransport`` at a time. When that link drops:
/// - a call in flight ends at once with a communication error (IFD_COMMUNICATION_ERROR, never
///   IFD_NO_SUCH_DEVICE: see "pcscd's locks" in docs/ARCHITECTURE.md);
/// - a call made while the link is down fails with `iccNotPresent`, so IFDHICCPresence reports no
///   card and pcscd keeps the reader;
/// - a thread imports the bus id again, 100 ms after the drop, then with the wait doubling up to
///   1 s, until it succeeds or the reader is closed;
/// - the interrupt pipe reports each change as a NotifySlotChange (card gone on the drop, card
///   there once the link is back), so pcscd's event thread asks IFDHICCPresence at once.
/// The descriptors are the first link's: the server serves the same device again.
package final class ReconnectingTransport: USBTransport, @unchecked Sendable {
    package let device: USBDeviceInfo
    private let open: @Sendable () throws(DriverError) -> USBIPTransport
    private let lock = ConditionLock()
    // Guarded by `lock`:
    private var link: USBIPTransport?
    private var closed = false
    private var notice: [UInt8]?
    private var wakeGeneration = 0

    static let firstRetryMilliseconds = 100
    static let maxRetryMilliseconds = 1_000
    /// RDR_to_PC_NotifySlotChange for slot 0 (CCID 6.3.1): bit 0 card present, bit 1 changed.
    static let cardGone: [UInt8] = [0x50, 0x02]
    static let cardBack: [UInt8] = [0x50, 0x03]

    /// Opens the first link with `open` (its failure is the reader's: no such device).
    package init(open: @escaping @Sendable () throws(DriverError) -> USBIPTransport) throws(DriverError) {
        let first = try open()
        self.open = open
        device = first.device
        link = first
    }

    /// Imports `busid` from `address`, and again after every drop.
    package convenience init(address: DeviceName.USBIPAddress, busid: String, timeout: Int = 5_000) throws(DriverError) {
        try self.init(open: { () throws(DriverError) in try USBIPTransport(address: address, busid: busid, timeout: timeout) })
    }

    /// Whether a link is up now.
    package var isLinkUp: Bool { lock.withLock { link != nil } }

    // MARK: USBTransport

    package func bulkOutIn(_ message: [UInt8], inLength: Int, timeout: Int) throws(DriverError) -> [UInt8] {
        try carry { (link) throws(DriverError) in try link.bulkOutIn(message, inLength: inLength, timeout: timeout) }
    }

    package func bulkIn(maxLength: Int, timeout: Int) throws(DriverError) -> [UInt8] {
        try carry { (link) throws(DriverError) in try link.bulkIn(maxLength: maxLength, timeout: timeout) }
    }

    package func control(_ setup: USBSetupPacket, data: [UInt8], timeout: Int) throws(DriverError) -> [UInt8] {
        try carry { (link) throws(DriverError) in try link.control(setup, data: data, timeout: timeout) }
    }

    package func interruptIn(timeout: Int) throws(DriverError) -> [UInt8]? {
        let deadline = Deadline.after(milliseconds: timeout)
        let generation = lock.withLock { wakeGeneration }
        while true {
            // A pending notice first; else wait on the link, or (link down) for it to come back.
            enum Next { case message([UInt8]), wait(USBIPTransport), stop }
            let next = try lock.withLock { () throws(DriverError) -> Next in
                while true {
                    if closed { throw .noSuchDevice("reader closed") }
                    if let message = notice {
                        notice = nil
                        return .message(message)
                    }
                    if generation != wakeGeneration { return .stop }
                    if let link { return .wait(link) }
                    if !lock.wait(until: deadline) { return .stop }
                }
            }
            switch next {
            case .message(let message):
                return message
            case .stop:
                return nil
            case .wait(let current):
                do {
                    return try current.interruptIn(timeout: deadline.remainingMilliseconds)
                } catch .noSuchDevice(let why) {
                    linkLost(current, why)  // sets the card-gone notice, returned next turn
                }
            }
        }
    }

    package func wakeInterrupt() {
        let current = lock.withLock { () -> USBIPTransport? in
            wakeGeneration += 1
            lock.broadcast()
            return link
        }
        current?.wakeInterrupt()
    }

    package func close() {
        let current = lock.withLock { () -> USBIPTransport? in
            closed = true
            lock.broadcast()
            return link
        }
        current?.close()
    }

    // MARK: Link

    /// Runs `call` on the current link; a drop during the call is a communication error, a call
    /// while the link is down finds no card.
    private func carry<T>(_ call: (USBIPTransport) throws(DriverError) -> T) throws(DriverError) -> T {
        let current = try lock.withLock { () throws(DriverError) -> USBIPTransport in
            if closed { throw .noSuchDevice("reader closed") }
            guard let link else { throw .iccNotPresent }
            return link
        }
        do {
            return try call(current)
        } catch .noSuchDevice(let why) {
            if lock.withLock({ closed }) { throw .noSuchDevice(why) }
            linkLost(current, why)
            throw .communication("USB/IP link lost: \(why)")
        }
    }

    /// Forgets `lost` (once, if it is still the current link) and starts reconnecting.
    private func linkLost(_ lost: USBIPTransport, _ why: String) {
        let first = lock.withLock { () -> Bool in
            guard link === lost, !closed else { return false }
            link = nil
            notice = Self.cardGone
            lock.broadcast()
            return true
        }
        guard first else { return }
        lost.close()
        Trace.log { "USB/IP link lost (\(why)); reconnecting" }
        if !startThread({ [self] in reconnectLoop() }) {
            Trace.log { "cannot start the USB/IP reconnect thread" }
        }
    }

    /// Imports the bus id again with a growing wait, until it works or the reader closes.
    private func reconnectLoop() {
        var wait = Self.firstRetryMilliseconds
        while true {
            let deadline = Deadline.after(milliseconds: wait)
            let stop = lock.withLock { () -> Bool in
                while !closed && lock.wait(until: deadline) {}
                return closed
            }
            if stop { return }
            do {
                let fresh = try open()
                let keep = lock.withLock { () -> Bool in
                    guard !closed else { return false }
                    link = fresh
                    notice = Self.cardBack
                    lock.broadcast()
                    return true
                }
                if !keep { fresh.close() }
                Trace.log { "USB/IP link back" }
                return
            } catch {
                Trace.log { "USB/IP reconnect failed (\(error)); next try in \(wait) ms" }
                wait = min(wait * 2, Self.maxRetryMilliseconds)
            }
        }
    }
}
