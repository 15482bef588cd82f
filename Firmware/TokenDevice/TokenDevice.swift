import BankingApplet
import CardOS
import CCID
import ISO7816
import USB

/// The token as a USB device: what its microcontroller answers on each endpoint.
///
/// One CCID interface (class 0x0B) with one slot:
/// - endpoint 0: standard requests (USB 2.0 ch. 9) and the CCID class requests ABORT,
///   GET_CLOCK_FREQUENCIES, GET_DATA_RATES (CCID rev 1.1 §5.3);
/// - ``bulkOutEndpoint`` 0x01: PC_to_RDR messages; ``bulkInEndpoint`` 0x82: RDR_to_PC replies;
/// - ``interruptEndpoint`` 0x83: RDR_to_PC_NotifySlotChange on insertion and removal.
///
/// Nothing blocks: the host side (USB/IP server, a test) feeds transfers in, takes replies out
/// when there are some, and calls ``tick()`` so time extensions and timeouts happen. While the
/// card waits for the holder, a time-extension reply (bStatus 0x80) goes out every
/// ``timeExtensionInterval`` milliseconds; at TPDU level the card also asks for time with a
/// T=1 S(WTX request) every ``wtxInterval`` milliseconds.
///
/// Not thread-safe: the host serialises calls per device.
public final class TokenDevice<P: Platform> {
    public static var bulkOutEndpoint: UInt8 { TokenDescriptors.bulkOutEndpoint }
    public static var bulkInEndpoint: UInt8 { TokenDescriptors.bulkInEndpoint }
    public static var interruptEndpoint: UInt8 { TokenDescriptors.interruptEndpoint }
    public static var vendorID: UInt16 { TokenDescriptors.idVendor }
    public static var productID: UInt16 { TokenDescriptors.idProduct }
    public static var timeExtensionInterval: UInt64 { 500 }
    /// TPDU level: how long the card waits after the reader's S(WTX response) before asking
    /// again (multiplier 1), below one block waiting time (BWI 4 at 4 MHz, Fi 372: ≈ 1.43 s).
    public static var wtxInterval: UInt64 { 1_000 }

    public let firmware: TokenFirmware<P>
    public let exchange: ExchangeLevel
    /// The USB descriptors, including the strings.
    public let descriptors: TokenDescriptors

    // USB state.
    /// bConfigurationValue set by SET_CONFIGURATION (0: not configured).
    public internal(set) var configuration: UInt8 = 0
    var haltedEndpoints: [UInt8] = []
    var reader = CCIDMessageReader(maxMessageLength: Int(TokenDescriptors.maxCCIDMessageLength))
    /// Bytes of an over-long message still to be discarded from bulk OUT.
    var bulkOutDiscard = 0
    var bulkInReplies: [[UInt8]] = []
    var pendingSlotChange: CCIDSlotChange? = nil

    // Slot state.
    var cardPresent = true
    /// Whether the ICC is powered (activated by IccPowerOn).
    var iccActive = false
    var clockStopped = false
    var protocolData = CCIDProtocolData.t1(TokenDevice.defaultT1Parameters)
    var open: OpenCommand? = nil
    /// bSeq of a control ABORT whose PC_to_RDR_Abort has not arrived yet (§5.3.1).
    var abortingSeq: UInt8? = nil
    /// bSeq of the last PC_to_RDR_Abort answered, so a control ABORT after it finds it done.
    var lastAbortSeq: UInt8? = nil
    var t1 = T1CardProtocol()
    var t0 = T0CardProtocol()
    /// When to poll the card next while it waits with no command open (TPDU level, between
    /// S(WTX request) and S(WTX response)).
    var pollDeadline: UInt64? = nil
    /// The PIN entry on the keypad under way (PC_to_RDR_Secure), if any.
    var pinEntry: PINEntry? = nil

    // Fault injection (``CommandFault``).
    /// Asked once per complete command APDU (chained parts joined) before the card runs it; a
    /// fault it returns is applied to that command. `nil` (the default): no faults.
    public var commandHook: ((CommandAPDU) -> CommandFault?)? = nil
    /// An answer a fault holds back.
    var heldAnswer: HeldAnswer? = nil
    /// The answer that replaces the open command's own when it completes (after a confirmation).
    var replacementAnswer: [UInt8]? = nil
    /// TPDU level: the next answer block goes out with a wrong EDC.
    var corruptNextBlock = false

    /// - Parameters:
    ///   - firmware: the card behind the slot.
    ///   - serial: the token serial (8 bytes; the USB serial string is its hex).
    ///   - exchange: APDU level (extended APDUs in XfrBlock) or TPDU level (T=1 blocks, or T=0 TPDUs).
    public init(firmware: TokenFirmware<P>, serial: [UInt8], exchange: ExchangeLevel = .extendedAPDU) {
        self.firmware = firmware
        self.exchange = exchange
        descriptors = TokenDescriptors(serial: serial, exchange: exchange)
    }

    var card: CardOS<P> { firmware.card }
    var now: UInt64 { firmware.card.platform.clock.milliseconds }

    // MARK: USB

    /// A control transfer on endpoint 0: `data` is the OUT data stage (empty for IN requests).
    public func control(_ setup: USBSetupPacket, data: [UInt8]) -> ControlResult {
        let result = controlRequest(setup, data: data)
        if case .data(let bytes) = result { return .data(Array(bytes.prefix(Int(setup.wLength)))) }
        return result
    }

    /// A bulk OUT transfer on 0x01 (one PC_to_RDR message, or a part of one). Every complete
    /// message is answered on bulk IN; a malformed one with the spec's failure reply when its
    /// header can be read. Ignored while the endpoint is halted.
    public func bulkOut(_ bytes: [UInt8]) {
        guard !isHalted(endpoint: TokenDevice.bulkOutEndpoint) else { return }
        var rest = bytes[...]
        // Feed at most one maximum message at a time so the reader's buffer never overflows.
        while !rest.isEmpty {
            let skipped = min(bulkOutDiscard, rest.count)
            rest = rest.dropFirst(skipped)
            bulkOutDiscard -= skipped
            guard !rest.isEmpty else { return }
            let chunk = rest.prefix(reader.maxMessageLength)
            rest = rest.dropFirst(chunk.count)
            do {
                try reader.append(chunk)
            } catch {
                reader.reset()
            }
            takeCommands()
        }
    }

    /// Takes up to `maxLength` bytes of the next RDR_to_PC reply for a bulk IN transfer on 0x82;
    /// `nil` while there is none (the IN transfer stays pending). A reply longer than
    /// `maxLength` continues in the next transfer; one transfer never mixes two replies.
    public func takeBulkIn(maxLength: Int) -> [UInt8]? {
        guard maxLength > 0, !isHalted(endpoint: TokenDevice.bulkInEndpoint), let first = bulkInReplies.first else {
            return nil
        }
        guard first.count > maxLength else {
            bulkInReplies.removeFirst()
            return first
        }
        bulkInReplies[0] = Array(first[maxLength...])
        return Array(first[..<maxLength])
    }

    /// Takes the next interrupt IN message for 0x83; `nil` while there is none. Slot changes
    /// not yet taken are merged into one message (the changed bit stays set).
    public func takeInterrupt(maxLength: Int) -> [UInt8]? {
        guard maxLength > 0, !isHalted(endpoint: TokenDevice.interruptEndpoint),
              let change = pendingSlotChange else { return nil }
        pendingSlotChange = nil
        return Array(CCIDInterruptMessage.notifySlotChange(change).bytes.prefix(maxLength))
    }

    /// Whether an endpoint is halted (SET_FEATURE ENDPOINT_HALT until CLEAR_FEATURE): the host
    /// side answers its transfers with a stall.
    public func isHalted(endpoint: UInt8) -> Bool { haltedEndpoints.contains(endpoint) }

    /// Lets time pass (the platform's clock): the holder's timeout, time extensions.
    public func tick() {
        tickPINEntry()
        if cardIsBusy, let response = pollCard() {
            cardAnswered(response)
        }
        if card.platform.memory.hasLostPower { return lostPower() }
        let time = now
        if cardIsBusy && open == nil {
            pollDeadline = time + TokenDevice.timeExtensionInterval
        } else if !cardIsBusy {
            pollDeadline = nil
        }
        guard var command = open else { return }
        if let deadline = command.wtxDeadline, time >= deadline {
            open = nil
            reply(dataBlock(answering: command.header, t1.requestWaitingTimeExtension().bytes))
            pollDeadline = time + TokenDevice.timeExtensionInterval
        } else if time >= command.nextTimeExtension {
            reply(CCIDReply.timeExtension(answering: command.header, multiplier: 1))
            command.nextTimeExtension = time + TokenDevice.timeExtensionInterval
            open = command
        }
    }

    /// When ``tick()`` has something to do next (platform clock milliseconds), if ever.
    public var nextDeadline: UInt64? {
        var release = UInt64.max
        if let held = heldAnswer, held.response != nil { release = held.releaseAt }
        let next = open.map { min($0.nextTimeExtension, $0.wtxDeadline ?? UInt64.max, pinEntry?.deadline ?? UInt64.max) } ?? pollDeadline ?? UInt64.max
        let soonest = min(next, release)
        return soonest == UInt64.max ? nil : soonest
    }

    // MARK: The physical token

    /// The card goes into the slot (NotifySlotChange: present, changed). It stays unpowered
    /// until IccPowerOn.
    public func insertCard() {
        guard !cardPresent else { return }
        cardPresent = true
        iccActive = false
        notifySlotChange()
    }

    /// The card leaves the slot: a command in progress fails with ICC absent (bmICCStatus 2,
    /// ICC_MUTE), the card loses power (NotifySlotChange: absent, changed).
    public func removeCard() {
        guard cardPresent else { return }
        cardPresent = false
        powerDown()
        if let command = open {
            open = nil
            reply(.failure(answering: command.header, error: .ICC_MUTE, iccStatus: .absent))
        }
        notifySlotChange()
    }

    /// The host went away (USB/IP disconnect, bus reset): as after unplugging and replugging the
    /// token, everything the host had under way is forgotten — the card loses power (no verified
    /// PIN survives), a half-received message, queued replies, an open command, an abort in
    /// progress, halted endpoints and the configuration. The card stays in the slot.
    public func detach() {
        open = nil
        powerDown()
        reader.reset()
        bulkOutDiscard = 0
        bulkInReplies = []
        pendingSlotChange = nil
        abortingSeq = nil
        lastAbortSeq = nil
        haltedEndpoints = []
        configuration = 0
        pollDeadline = nil
        clockStopped = false
        protocolData = defaultProtocolData
        dropFaultState()
    }

    /// A button on the token; may complete the command that waits for the holder.
    public func press(_ button: Button) {
        if pinEntry != nil { return press(key: button == .ok ? .ok : .cancel) }
        guard let response = card.press(button) else {
            if card.platform.memory.hasLostPower { lostPower() }
            return
        }
        cardAnswered(response)
    }

    /// The computer ends the confirmation the card waits for (the emulator's control `abort`):
    /// the open command's answer is sent at once. Returns whether the card was waiting.
    @discardableResult
    public func cancelConfirmation() -> Bool {
        if pinEntry != nil {
            press(key: .cancel)
            return true
        }
        let wasWaiting = card.isWaiting
        guard let response = card.cancelByComputer() else {
            if card.platform.memory.hasLostPower { lostPower() }
            return wasWaiting
        }
        cardAnswered(response)
        return true
    }

    public var isCardPresent: Bool { cardPresent }

    /// Whether a command is in progress (the card waits for the holder).
    public var isBusy: Bool { open != nil || card.isWaiting }

    /// The device's descriptors as GET_DESCRIPTOR answers them.
    public var deviceDescriptor: [UInt8] { descriptors.deviceDescriptor }
    public var configurationDescriptor: [UInt8] { descriptors.configurationDescriptor }
    /// The CCID class descriptor inside ``configurationDescriptor``.
    public var classDescriptor: CCIDClassDescriptor { descriptors.classDescriptor }

    // MARK: Internals shared by the extensions

    /// Queues an RDR_to_PC reply on bulk IN.
    func reply(_ message: CCIDReply) {
        bulkInReplies.append(message.bytes)
    }

    /// Queues a NotifySlotChange with the slot's present bit and the changed bit.
    func notifySlotChange() {
        var change = pendingSlotChange ?? CCIDSlotChange(slotCount: 1)
        change.set(slot: 0, present: cardPresent, changed: true)
        pendingSlotChange = change
    }

    /// Power off (IccPowerOff, removal): the card resets, a T=1 exchange starts over.
    func powerDown() {
        dropPINEntry()
        card.reset()
        t1.reset()
        t0.reset()
        dropFaultState()
        iccActive = false
        clockStopped = false
        pollDeadline = nil
    }
}
