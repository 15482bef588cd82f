import CCID
import ISO7816

/// One reader (one CCID device, one slot): the slot's state, a lock so that pcscd's threads
/// run one command at a time, and the cached card presence that the interrupt pipe and
/// GetSlotStatus keep up to date.
package final class Reader: @unchecked Sendable {
    package let host: CCIDHost
    package let transport: any USBTransport
    /// SCARD_ATTR_CHANNEL_ID: 0x0020 (USB) << 16, or the reader.conf CHANNELID.
    package let channelID: UInt32

    private let commandLock = ConditionLock()
    // Guarded by `commandLock`:
    private var atr: [UInt8] = []
    private var protocolNumber: UInt8?
    private var t1: T1Host?

    private let presenceLock = ConditionLock()
    // Guarded by `presenceLock`:
    private var cachedPresence: CCIDSlotStatus.ICCStatus?
    private var pollingStopped = false
    private var stopRequested = false
    /// A card that reset by itself was just reported absent: the next wait for a slot change
    /// returns at once, so pcscd asks again and sees it present (the device sends no
    /// NotifySlotChange for a card that never left).
    private var reinsertionPending = false

    package init(transport: any USBTransport, channelID: UInt32 = 0x0020_0000, readTimeout: Int = 10_000) {
        self.transport = transport
        self.channelID = channelID
        host = CCIDHost(transport: transport, readTimeout: readTimeout)
    }

    /// Opens the transport a device name points at.
    package static func open(_ name: DeviceName, timeout: Int = 5_000) throws(DriverError) -> Reader {
        let reader: Reader
        switch name {
        case .usbip(let address, let busid):
            reader = Reader(transport: try ReconnectingTransport(address: address, busid: busid, timeout: timeout))
        case .usb(let vendor, let product, let bus, let address):
            reader = Reader(transport: try LibUSBTransport(vendorID: vendor, productID: product, bus: bus,
                                                           address: address, timeout: timeout))
        }
        do {
            try Reader.checkSupported(reader.device)
        } catch {
            reader.close()
            throw error
        }
        return reader
    }

    /// What the driver drives, checked when a reader is opened: a character-level reader (no
    /// APDU or TPDU level in dwFeatures) is refused; of a multi-slot reader only slot 0 is driven
    /// (TAG_IFD_SLOTS_NUMBER answers 1; traced). ICCD tokens are refused by
    /// ``CCIDInterfaceDescriptor/init(configuration:)``.
    package static func checkSupported(_ device: USBDeviceInfo) throws(DriverError) {
        let descriptor = device.interface.classDescriptor
        switch descriptor.dwFeatures.exchangeLevel {
        case .character?, nil:
            Trace.log { "refused: a character-level reader (dwFeatures \(String(descriptor.dwFeatures.rawValue, radix: 16)))" }
            throw .notSupported("character-level readers (dwFeatures without an APDU or TPDU level)")
        default:
            break
        }
        if descriptor.bMaxSlotIndex > 0 {
            Trace.log { "multi-slot reader (bMaxSlotIndex \(descriptor.bMaxSlotIndex)): only slot 0 is driven" }
        }
    }

    package var device: USBDeviceInfo { transport.device }
    package var exchangeLevel: CCIDFeatures.ExchangeLevel? { host.descriptor.dwFeatures.exchangeLevel }

    package func close() {
        presenceLock.withLock { pollingStopped = true }
        transport.wakeInterrupt()
        transport.close()
    }

    // MARK: Slot

    /// IFD_POWER_UP / IFD_RESET: the ATR. A reset powers the card off and on again.
    package func powerUp(reset: Bool = false) throws(DriverError) -> [UInt8] {
        try locked { () throws(DriverError) -> [UInt8] in
            atr = []
            protocolNumber = nil
            t1 = nil
            if reset { try? host.iccPowerOff() }
            do throws(DriverError) {
                atr = try host.iccPowerOn()
            } catch {
                if error == .iccNotPresent { setPresence(.absent) }
                throw error
            }
            setPresence(.presentActive)
            Trace.log { "slot powered: ATR " + self.atr.hexString }
            return atr
        }
    }

    package func powerDown() throws(DriverError) {
        try locked { () throws(DriverError) in
            atr = []
            protocolNumber = nil
            t1 = nil
            try host.iccPowerOff()
            setPresence(.presentInactive)
        }
    }

    /// The ATR of the powered card, empty when none.
    package var currentATR: [UInt8] { commandLock.withLock { atr } }

    /// IFDHSetProtocolParameters: `protocolNumber` 0 (T=0) or 1 (T=1), one the ATR offers. At
    /// APDU level the reader does the work; at TPDU level see `start(_:_:)`.
    package func setProtocol(_ requested: UInt8) throws(DriverError) {
        try locked { () throws(DriverError) in
            guard !atr.isEmpty else { throw .iccNotPresent }
            let card = try? ATR(parsing: atr)
            let offered = card?.protocols ?? [0]
            guard offered.contains(requested) || (requested == 0 && offered.isEmpty) else { throw .protocolNotSupported }
            try start(requested, card)
        }
    }

    /// Starts `number` as libccid does (ifdhandler.c IFDHSetProtocolParameters). At TPDU level
    /// the reader must offer it (dwProtocols) and a card in specific mode (TA2) must be in it;
    /// then, unless the reader negotiates parameters itself (dwFeatures 0x40), the Fi/Di it
    /// will use (`negotiatedFiDi`) and SetParameters from the ATR: for T=0 TA1, convention,
    /// TC1 and TC2 (WI); for T=1 `T1Host.parameters`. T=1 then announces IFSD unless the reader
    /// does (0x400).
    private func start(_ number: UInt8, _ card: ATR?) throws(DriverError) {
        switch exchangeLevel {
        case .tpdu?:
            guard number <= 1, host.descriptor.dwProtocols.contains(number == 0 ? .t0 : .t1) else {
                throw .protocolNotSupported
            }
            if let specific = card?.specificModeProtocol, specific != number { throw .protocolNotSupported }
            if number == 0 {
                if !features.contains(.automaticParameterNegotiation) {
                    let parameters = CCIDProtocolDataT0(
                        bmFindexDindex: try negotiatedFiDi(card, protocolNumber: 0),
                        bmTCCKST0: card?.ts == 0x3F ? 0x02 : 0x00,
                        bGuardTimeT0: UInt8(truncatingIfNeeded: card?.extraGuardTime ?? 0),
                        bWaitingIntegerT0: UInt8(truncatingIfNeeded: card?.waitingTimeInteger ?? 10))
                    _ = try host.setParameters(.t0(parameters))
                }
                t1 = nil
            } else {
                try startT1(card)
            }
        case .shortAPDU?, .extendedAPDU?:
            break
        case .character?, nil:
            throw .notSupported("character-level readers")
        }
        protocolNumber = number
    }

    /// The protocol an exchange starts when pcscd set none: the card's specific mode, else the
    /// first protocol the ATR offers that the reader offers too.
    private func defaultProtocol(_ card: ATR?) throws(DriverError) -> UInt8 {
        if let specific = card?.specificModeProtocol { return specific }
        let reader = host.descriptor.dwProtocols
        guard let first = (card?.protocols ?? [0]).first(where: { ($0 == 0 && reader.contains(.t0)) || ($0 == 1 && reader.contains(.t1)) })
        else { throw .protocolNotSupported }
        return first
    }

    private var features: CCIDFeatures { host.descriptor.dwFeatures }

    /// Fi/Di (bmFindexDindex) for SetParameters. The card runs at TA1 when it is in specific
    /// mode or after a PPS to TA1: the reader's own (dwFeatures 0x80) or ours, an XfrBlock with
    /// PPSS FF, PPS0 1x, PPS1 = TA1 and PCK (ISO/IEC 7816-3 §9), accepted when echoed. Else
    /// (no TA1, TA1 11, PPS refused) the default 11.
    private func negotiatedFiDi(_ card: ATR?, protocolNumber: UInt8) throws(DriverError) -> UInt8 {
        guard let card, let ta1 = card.ta1, ta1 != 0x11 else { return 0x11 }
        if card.specificModeProtocol != nil || features.contains(.automaticPPS) { return ta1 }
        let request: [UInt8] = [0xFF, 0x10 | protocolNumber, ta1]
        let pps = request + [request.reduce(0, ^)]
        Trace.log { "PPS " + pps.hexString }
        let echo: [UInt8]
        do {
            echo = try host.xfrBlock(pps).abData
        } catch .slotError(let error) {
            Trace.log { "PPS failed (\(error)): Fi/Di 11" }
            return 0x11
        }
        guard echo == pps else {
            Trace.log { "PPS answered " + echo.hexString + ": Fi/Di 11" }
            return 0x11
        }
        return ta1
    }

    /// IFDHTransmitToICC: one command APDU, its response APDU.
    package func transmit(_ apdu: [UInt8]) throws(DriverError) -> [UInt8] {
        try locked { () throws(DriverError) -> [UInt8] in
            guard !atr.isEmpty else { throw .iccNotPresent }
            Trace.log { APDUTrace.command(apdu) }
            let response: [UInt8]
            do throws(DriverError) {
                switch exchangeLevel {
                case .extendedAPDU?:
                    response = try host.transmitAPDU(apdu)
                case .shortAPDU?:
                    if let command = try? CommandAPDU(parsing: apdu), command.isExtended {
                        throw DriverError.notSupported("extended APDU on a short APDU level reader")
                    }
                    response = try host.transmitAPDU(apdu)
                case .tpdu?:
                    // The ATR is parsed only to start a protocol, not for every APDU.
                    if protocolNumber == nil {
                        let card = try? ATR(parsing: atr)
                        try start(try defaultProtocol(card), card)
                    }
                    if protocolNumber == 0 {
                        response = try T0Host(host: host).transceive(apdu)
                    } else {
                        if t1 == nil { try startT1(try? ATR(parsing: atr)) }
                        guard let t1 else { throw DriverError.t1("no T=1 session") }
                        response = try t1.transceive(apdu)
                    }
                case .character?, nil:
                    throw DriverError.notSupported("character-level readers")
                }
            } catch .noSuchDevice(let why) {
                // The link dropped mid-command. IFD_NO_SUCH_DEVICE here would make pcscd answer
                // SCARD_E_READER_UNAVAILABLE (after SendHotplugSignal's 1 s sleep) while the
                // reader still looks present: its event thread marks it unknown only after its
                // next IFDHICCPresence, another second later. OpenSC answers that error by
                // reconnecting while its transaction is still open, and pcscd's SCardConnect
                // then waits for that transaction forever. A communication error ends the call
                // (SCARD_E_NOT_TRANSACTED); IFDHICCPresence reports the reader gone.
                throw .communication("device gone during the command: \(why)")
            } catch {
                if error == .iccNotPresent {
                    atr = []
                    t1 = nil
                    setPresence(.absent)
                }
                throw error
            }
            Trace.log { APDUTrace.response(response, to: apdu) }
            return response
        }
    }

    /// FEATURE_VERIFY_PIN_DIRECT / FEATURE_MODIFY_PIN_DIRECT: PC_to_RDR_Secure with `operation`,
    /// the holder typing on the token; the response APDU, or `6401` (Cancel) / `6400` (time-out)
    /// as libccid answers. At TPDU level with T=1 the driver puts the prologue of the I-block it
    /// would send into bTeoPrologue, and advances N(S) / N(R) only when the card answered.
    package func securePIN(_ operation: CCIDPINOperation) throws(DriverError) -> [UInt8] {
        try locked { () throws(DriverError) -> [UInt8] in
            guard !atr.isEmpty else { throw .iccNotPresent }
            var operation = operation
            var session: T1Host? = nil
            if exchangeLevel == .tpdu {
                let card = try? ATR(parsing: atr)
                if protocolNumber == nil { try start(try defaultProtocol(card), card) }
                if protocolNumber == 1 {
                    if t1 == nil { try startT1(card) }
                    session = t1
                    operation.bTeoPrologue = session?.prologue(informationLength: operation.abPINApdu.count) ?? [0, 0, 0]
                }
            }
            Trace.log { "PIN entry on the reader: bPINOperation \(operation.bPINOperation), " + APDUTrace.command(operation.abPINApdu) }
            let data: [UInt8]
            do throws(DriverError) {
                data = try host.secure(operation)
            } catch .slotError(let error) {
                guard let response = SecurePIN.response(for: error) else { throw DriverError.slotError(error) }
                Trace.log { "PIN entry ended: \(error) → " + response.hexString }
                return response
            }
            guard let session else {
                Trace.log { APDUTrace.response(data, to: operation.abPINApdu) }
                return data
            }
            let response = try session.keypadExchanged(answer: data)
            Trace.log { APDUTrace.response(response, to: operation.abPINApdu) }
            return response
        }
    }

    /// T=1: SetParameters from the ATR (Fi/Di as negotiated) unless the reader negotiates
    /// itself (0x40), then S(IFS) unless the reader announces IFSD itself (0x400).
    private func startT1(_ card: ATR?) throws(DriverError) {
        var parameters = T1Host.parameters(for: card)
        let session = try T1Host(host: host, parameters: parameters)       // refuses CRC before anything is sent
        if !features.contains(.automaticParameterNegotiation) {
            parameters.bmFindexDindex = try negotiatedFiDi(card, protocolNumber: 1)
            _ = try host.setParameters(.t1(parameters))
        }
        if !features.contains(.automaticIFSD) {
            try session.negotiateIFSD()
        }
        t1 = session
    }

    // MARK: Presence

    /// IFDHICCPresence: the cached state when a command is running (the card is busy, not
    /// gone), else GetSlotStatus.
    ///
    /// A card this driver powered up that the slot reports present but inactive (it reset by
    /// itself, or was swapped between two polls) is reported absent once, then present: pcscd
    /// sees a removal and an insertion, clears the ATR, tells open handles
    /// SCARD_W_REMOVED_CARD and powers the card up again. Stock libccid does the same
    /// (IFDHICCPresence, CCID_ICC_PRESENT_INACTIVE after power-up); pcscd has no way to learn
    /// of a reset the card did itself, so SCARD_W_RESET_CARD is never the answer to it.
    package func isCardPresent() throws(DriverError) -> Bool {
        guard commandLock.tryLock() else {
            return presenceLock.withLock { cachedPresence ?? .presentActive } != .absent
        }
        defer { commandLock.unlock() }
        let status = try host.slotStatus()
        if status == .presentInactive && !atr.isEmpty {
            Trace.log { "slot: the card powered up as ATR \(self.atr.hexString) is inactive now: reported absent once" }
            atr = []
            protocolNumber = nil
            t1 = nil
            setPresence(.absent)
            presenceLock.withLock { reinsertionPending = true }
            return false
        }
        if status == .absent {
            atr = []
            t1 = nil
        }
        setPresence(status)
        return status != .absent
    }

    /// TAG_IFD_POLLING_THREAD_WITH_TIMEOUT: waits up to `timeout` ms for NotifySlotChange.
    /// Returns whether a slot change arrived.
    package func waitForSlotChange(timeout: Int) throws(DriverError) -> Bool {
        let (stopped, reinserted) = presenceLock.withLock { () -> (Bool, Bool) in
            defer { stopRequested = false; reinsertionPending = false }
            return (pollingStopped || stopRequested, reinsertionPending)
        }
        if stopped { return false }
        if reinserted { return true }
        guard let message = try transport.interruptIn(timeout: timeout) else { return false }
        guard case .notifySlotChange(let change)? = try? CCIDInterruptMessage(parsing: message) else {
            Trace.log { "interrupt: ignored " + message.hexString }
            return false
        }
        let present = change.isPresent(slot: Int(host.bSlot))
        Trace.log { "interrupt: NotifySlotChange, card " + (present ? "present" : "absent") }
        setPresence(present ? .presentInactive : .absent)
        return true
    }

    /// TAG_IFD_STOP_POLLING_THREAD: ends the current wait only. pcscd calls it on every
    /// SCardDisconnect that powers the card down, to wake its event thread, and then keeps
    /// polling (as with the stock CCID driver, which only cancels the pending interrupt
    /// transfer). Latching it made every later wait return at once, so pcscd's event thread
    /// spun on IFDHICCPresence (a GetSlotStatus round trip per turn, a core busy) and slowed
    /// every APDU after the first disconnect. Only `close()` stops polling for good.
    /// A stop that lands while no wait is under way is kept for the next wait, which then
    /// returns at once (pcscd's reader shutdown joins its event thread right after the call).
    package func stopPolling() {
        presenceLock.withLock { stopRequested = true }
        transport.wakeInterrupt()
    }

    package var hasInterruptPipe: Bool { transport.device.interface.interruptIn != nil }

    /// The last known presence (SCARD_ATTR_ICC_PRESENCE).
    package var cachedICCStatus: CCIDSlotStatus.ICCStatus? { presenceLock.withLock { cachedPresence } }

    private func setPresence(_ status: CCIDSlotStatus.ICCStatus) {
        presenceLock.withLock { cachedPresence = status }
    }

    private func locked<T>(_ body: () throws(DriverError) -> T) throws(DriverError) -> T {
        commandLock.lock()
        defer { commandLock.unlock() }
        return try body()
    }
}
