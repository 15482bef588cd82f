#if canImport(Glibc)
import Glibc
#endif
import CCID
import ISO7816
import USB

/// The host side of one CCID slot (CCID rev 1.1 §6): numbers commands with bSeq, sends each
/// PC_to_RDR message and waits for the RDR_to_PC reply with the same bSeq, keeps waiting while
/// the reader asks for time extensions (up to a limit, then Abort), and turns failures into
/// `DriverError`s.
///
/// Not thread-safe: its `Reader` calls it with the reader's lock held.
package final class CCIDHost: @unchecked Sendable {
    package let transport: any USBTransport
    package let descriptor: CCIDClassDescriptor
    package let bSlot: UInt8
    /// How long to wait for a reply, or for the next one after a time extension (which
    /// multiplies it by bError).
    package let readTimeout: Int
    /// How long (ms) an XfrBlock may keep the slot busy with time extensions: the APDU may
    /// wait for the holder (CONFIRM TRANSFER), but a device that extends forever must not hold
    /// the reader, and pcscd's lock on it, forever. Other commands (power on, slot status,
    /// parameters) wait for no one and get `readTimeout` at most. Past the limit the command
    /// is aborted and fails with `timeExtensionLimit`.
    package var apduTimeLimit: Int
    /// Stale replies (earlier bSeq) skipped before giving up.
    static let maxStaleReplies = 4
    /// The ABORT class request (CCID rev 1.1 §5.3.1, Table 5.3-1).
    static let ABORT: UInt8 = 0x01

    /// `apduTimeLimit` unless set: `UKEY_DRIVER_APDU_TIME_LIMIT` seconds (1…86400) from pcscd's
    /// environment, else 5 minutes (the token's own `--confirm-timeout` defaults to 2).
    package static let defaultAPDUTimeLimit: Int = {
        guard let value = getenv("UKEY_DRIVER_APDU_TIME_LIMIT"), let seconds = Int(String(cString: value)),
              (1...86_400).contains(seconds) else { return 300_000 }
        return seconds * 1000
    }()

    package private(set) var bSeq: UInt8 = 0
    /// Whether this reader's wrong dwLength on a fixed-size reply was traced already.
    private var tracedLengthQuirk = false

    package init(transport: any USBTransport, bSlot: UInt8 = 0, readTimeout: Int = 10_000,
                apduTimeLimit: Int = CCIDHost.defaultAPDUTimeLimit) {
        self.transport = transport
        descriptor = transport.device.interface.classDescriptor
        self.bSlot = bSlot
        self.readTimeout = readTimeout
        self.apduTimeLimit = apduTimeLimit
        let maximum = min(max(Int(descriptor.dwMaxCCIDMessageLength), CCIDLimits.minMessageLength),
                          CCIDLimits.maxMessageLength)
        maxMessageLength = CCIDMessageReader(maxMessageLength: maximum).maxMessageLength
    }

    /// dwMaxCCIDMessageLength, bounded by the spec.
    package let maxMessageLength: Int

    /// Sends `message` and returns its reply (bmCommandStatus 0). When no reply comes within
    /// the read time-out, the command is aborted (CCID rev 1.1 §5.3.1: the ABORT class request,
    /// then PC_to_RDR_Abort with the same bSeq) before `timeout` is thrown: the slot stops
    /// working on it, and its late reply (CMD_ABORTED, or the answer if it was on its way) has
    /// an earlier bSeq, so the Abort's wait drops it. Without this a reader that went mute
    /// answers every later command CMD_SLOT_BUSY.
    package func transact(_ message: PCtoRDR) throws(DriverError) -> CCIDReply {
        do {
            return try exchange(message)
        } catch .timeout where message.messageType != .abort {
            Trace.log { "CCID   no reply within \(readTimeout) ms: aborting bSeq \(bSeq &- 1)" }
            abort()
            throw .timeout
        }
    }

    private func exchange(_ message: PCtoRDR) throws(DriverError) -> CCIDReply {
        // Read once: each access to a class's variable is checked for exclusivity at run time.
        // The reply reassembly is local to the exchange (each starts with nothing buffered;
        // an empty reader allocates nothing) rather than a stored property touched per step.
        let apduTimeLimit = self.apduTimeLimit
        let seq = nextSeq()
        var messages = CCIDMessageReader(maxMessageLength: maxMessageLength)
        let command = CCIDCommand(bSlot: bSlot, bSeq: seq, message)
        let bytes = command.bytes
        guard bytes.count <= maxMessageLength else {
            throw .communication("message of \(bytes.count) bytes exceeds dwMaxCCIDMessageLength \(maxMessageLength)")
        }
        Trace.log { "CCID → \(CCIDHost.name(message.messageType)) bSeq \(seq) dwLength \(bytes.count - CCIDHeader.count)" }
        let waitsForHolder = message.messageType == .xfrBlock || message.messageType == .secure
        let limit = waitsForHolder ? apduTimeLimit : min(readTimeout, apduTimeLimit)
        let extensionDeadline = Deadline.after(milliseconds: limit)
        var received = try transport.bulkOutIn(bytes, inLength: maxMessageLength, timeout: readTimeout)
        var stale = 0
        var timeout = readTimeout
        while true {
            if messages.bufferedByteCount == 0 { received = toleratingFixedSizeReply(received) }
            do {
                try messages.append(received)
            } catch {
                throw .badCCIDReply(error)
            }
            while let reply = try CCIDHost.nextReply(&messages) {
                Trace.log {
                    "CCID ← \(CCIDHost.name(reply.message.messageType)) bSeq \(reply.bSeq) bStatus "
                        + [reply.bStatus.bStatus, reply.bError.rawValue].hexString + " dwLength \(reply.header.dwLength)"
                }
                guard reply.bSeq == seq, reply.bSlot == bSlot else {
                    stale += 1
                    guard stale <= CCIDHost.maxStaleReplies else {
                        throw .sequenceMismatch(expected: seq, got: reply.bSeq)
                    }
                    continue
                }
                let expected = message.messageType.responseType ?? .slotStatus
                guard reply.message.messageType == expected else {
                    throw .unexpectedReply(expected: expected, got: reply.message.messageType)
                }
                switch reply.bStatus.bmCommandStatus {
                case .processedWithoutError:
                    // One bulk IN transfer carries one message: more bytes are a broken device.
                    guard messages.bufferedByteCount == 0 else {
                        let extra = messages.bufferedByteCount
                        throw .badCCIDReply(.trailingBytes(reply.header, available: reply.header.messageLength + extra))
                    }
                    return reply
                case .timeExtension:
                    guard !extensionDeadline.hasPassed else {
                        Trace.log { "CCID   time extensions past \(limit) ms: aborting bSeq \(seq)" }
                        if message.messageType != .abort { abort() }
                        throw .timeExtensionLimit(milliseconds: limit)
                    }
                    // The wait the device asks for (bError × the usual), not much past the limit.
                    timeout = min(readTimeout * max(1, Int(reply.bError.rawValue)),
                                  max(readTimeout, extensionDeadline.remainingMilliseconds))
                    Trace.log { "CCID   time extension ×\(reply.bError.rawValue): waiting" }
                case .failed:
                    if reply.bStatus.bmICCStatus == .absent { throw .iccNotPresent }
                    throw .slotError(reply.bError)
                }
            }
            received = try transport.bulkIn(maxLength: maxMessageLength, timeout: timeout)
        }
    }

    /// The next bSeq, counted on (one access to the stored property).
    private func nextSeq() -> UInt8 {
        defer { bSeq &+= 1 }
        return bSeq
    }

    /// libccid's one tolerance (ccid.c ReadUSB callers): it reads RDR_to_PC_Parameters and
    /// RDR_to_PC_SlotStatus by their fixed layout whatever their header's dwLength says. QEMU
    /// 7.2's usb-ccid answers SetParameters with dwLength 0 and 7 bytes of protocol data after
    /// the header. When one transfer (the first of a reply: nothing buffered) holds such a reply whole and its dwLength or the bytes read
    /// disagree with its type's fixed part, the reply is cut to its type's fixed part (10 bytes for SlotStatus; 10
    /// plus 5 for T=0, 7 for T=1, else 10 for Parameters), dwLength set to match, and the rest
    /// dropped; traced once per reader. Every other message keeps its dwLength framing.
    private func toleratingFixedSizeReply(_ received: [UInt8]) -> [UInt8] {
        // Only RDR_to_PC_SlotStatus (81) and RDR_to_PC_Parameters (82) are concerned: a data
        // block, the reply to every APDU, is passed on without parsing its header twice.
        guard let first = received.first, first == 0x81 || first == 0x82 else { return received }
        guard let header = try? CCIDHeader(parsing: received) else { return received }
        let fixed: Int
        let type = header.messageType
        switch type {
        case .slotStatus?:
            fixed = CCIDHeader.count
        case .parameters?:
            switch header.byte9 {
            case 0: fixed = CCIDHeader.count + CCIDProtocolDataT0.count
            case 1: fixed = CCIDHeader.count + CCIDProtocolDataT1.count
            default: fixed = CCIDHeader.count
            }
        default:
            return received
        }
        guard let type, received.count >= fixed, received.count != fixed || header.messageLength != fixed else {
            return received
        }
        if !tracedLengthQuirk {
            tracedLengthQuirk = true
            Trace.log {
                "CCID   quirk: \(CCIDHost.name(type)) dwLength \(header.dwLength) with \(received.count) bytes "
                    + "read: taking its fixed \(fixed) bytes (as libccid; traced once)"
            }
        }
        var fixedHeader = header
        fixedHeader.dwLength = UInt32(fixed - CCIDHeader.count)
        return fixedHeader.bytes + received[CCIDHeader.count..<fixed]
    }

    private static func nextReply(_ messages: inout CCIDMessageReader) throws(DriverError) -> CCIDReply? {
        do {
            return try messages.nextReply()
        } catch {
            throw .badCCIDReply(error)
        }
    }

    /// Ends the slot's command in progress (CCID rev 1.1 §5.3.1): the ABORT class request
    /// (wValue = bSeq << 8 | bSlot), then PC_to_RDR_Abort with the same bSlot and bSeq, whose
    /// SlotStatus reply comes after the aborted command's. Best effort: a device that ignores
    /// it fails the next command instead (stale replies, then a sequence mismatch).
    package func abort() {
        let setup = USBSetupPacket(bmRequestType: 0x21, bRequest: CCIDHost.ABORT, wValue: UInt16(bSeq) << 8 | UInt16(bSlot),
                                   wIndex: UInt16(transport.device.interface.bInterfaceNumber))
        do {
            _ = try transport.control(setup, data: [], timeout: readTimeout)
            _ = try transact(.abort)
        } catch {
            Trace.log { "CCID   Abort failed: \(error)" }
        }
    }

    // MARK: Commands

    /// PC_to_RDR_IccPowerOn: the ATR.
    package func iccPowerOn() throws(DriverError) -> [UInt8] {
        let automatic = descriptor.dwFeatures.contains(.automaticVoltage)
        let reply = try transact(.iccPowerOn(bPowerSelect: automatic ? .automatic : .volts5_0))
        guard case .dataBlock(_, let atr) = reply.message, !atr.isEmpty else { throw .iccNotPresent }
        return atr
    }

    package func iccPowerOff() throws(DriverError) {
        _ = try transact(.iccPowerOff)
    }

    /// PC_to_RDR_GetSlotStatus: the slot's bmICCStatus (absent also when the reader fails
    /// the request with "ICC absent").
    package func slotStatus() throws(DriverError) -> CCIDSlotStatus.ICCStatus {
        do {
            return try transact(.getSlotStatus).bStatus.bmICCStatus
        } catch .iccNotPresent {
            return .absent
        } catch .slotError(.ICC_MUTE) {
            return .presentInactive
        }
    }

    /// PC_to_RDR_SetParameters: the parameters the reader now uses.
    package func setParameters(_ parameters: CCIDProtocolData) throws(DriverError) -> CCIDProtocolData? {
        let reply: CCIDReply
        do {
            reply = try transact(.setParameters(parameters))
        } catch .slotError(let error) where error.parameterOffset != nil || error == .ICC_PROTOCOL_NOT_SUPPORTED {
            throw .protocolNotSupported
        }
        guard case .parameters(let current) = reply.message else { return nil }
        return current
    }

    /// One PC_to_RDR_XfrBlock: the abData and bChainParameter of its DataBlock.
    package func xfrBlock(_ abData: [UInt8], wLevelParameter: UInt16 = 0, bBWI: UInt8 = 0) throws(DriverError)
        -> (abData: [UInt8], chain: CCIDChainParameter)
    {
        let reply = try transact(.xfrBlock(bBWI: bBWI, wLevelParameter: wLevelParameter, abData: abData))
        guard case .dataBlock(let chain, let data) = reply.message else {
            throw .unexpectedReply(expected: .dataBlock, got: reply.message.messageType)
        }
        return (data, chain)
    }

    /// A command APDU at short or extended APDU level: whole if it fits in one message, else
    /// in wLevelParameter chained parts (01 begins, 03 continues, 02 ends); a chained response
    /// is collected with empty XfrBlocks of wLevelParameter 0010 (CCID rev 1.1 §6.1.4, §6.2.1).
    package func transmitAPDU(_ apdu: [UInt8]) throws(DriverError) -> [UInt8] {
        let room = maxMessageLength - CCIDHeader.count
        var reply: (abData: [UInt8], chain: CCIDChainParameter)
        if apdu.count <= room {
            reply = try xfrBlock(apdu)
        } else {
            var offset = 0
            repeat {
                let end = min(apdu.count, offset + room)
                let level: UInt16 = offset == 0 ? 0x01 : (end == apdu.count ? 0x02 : 0x03)
                reply = try xfrBlock(Array(apdu[offset..<end]), wLevelParameter: level)
                offset = end
            } while offset < apdu.count
        }
        var response = reply.abData
        var parts = 0
        while reply.chain == .begins || reply.chain == .continues {
            parts += 1
            guard parts < 1024, response.count <= 65_538 else { throw .communication("endless response chain") }
            reply = try xfrBlock([], wLevelParameter: UInt16(CCIDChainParameter.continueNext.rawValue))
            response += reply.abData
        }
        return response
    }

    /// PC_to_RDR_Secure (CCID rev 1.1 §6.1.11): the holder types on the reader's keypad; the
    /// DataBlock's abData (the card's response, at TPDU level its T=1 block). PIN_CANCELLED and
    /// PIN_TIMEOUT are thrown as slot errors for the caller to answer 6401 / 6400.
    package func secure(_ operation: CCIDPINOperation) throws(DriverError) -> [UInt8] {
        let reply = try transact(.secure(bBWI: 0, wLevelParameter: 0, abData: operation.bytes))
        guard case .dataBlock(_, let data) = reply.message else {
            throw .unexpectedReply(expected: .dataBlock, got: reply.message.messageType)
        }
        return data
    }

    /// The spec's name of a message type, for traces.
    static func name(_ type: CCIDMessageType) -> String {
        let text = String(describing: type)
        let capitalised = text.prefix(1).uppercased() + text.dropFirst()
        switch type.direction {
        case .pcToRDR: return "PC_to_RDR_" + capitalised
        case .rdrToPCBulk, .rdrToPCInterrupt: return "RDR_to_PC_" + capitalised
        }
    }
}
