import CCID
import CardOS
import ISO7816

/// The slot: every PC_to_RDR message answered as CCID rev 1.1 §6.1–6.2 says, one reply per
/// command, bSlot and bSeq repeated.
extension TokenDevice {
    /// The T=1 parameters of the ATR: Fi 372 / Di 1, LRC, direct convention, no extra guard
    /// time, BWI 4 / CWI 13, no clock stop, IFSC 32, NAD 0 (CCID rev 1.1 Table 6.1-2).
    static var defaultT1Parameters: CCIDProtocolDataT1 {
        CCIDProtocolDataT1(bmFindexDindex: 0x11, bmTCCKST1: 0x10, bGuardTimeT1: 0, bmWaitingIntegersT1: 0x4D,
                           bClockStop: 0, bIFSC: 0x20, bNadValue: 0)
    }

    /// bmICCStatus now.
    var iccStatus: CCIDSlotStatus.ICCStatus {
        guard cardPresent else { return .absent }
        return iccActive ? .presentActive : .presentInactive
    }

    /// bClockStatus now: running while the card is powered (unless IccClock stopped it);
    /// a deactivated card's clock is held low (ISO/IEC 7816-3 §6.4).
    var clockStatus: CCIDClockStatus {
        iccActive && !clockStopped ? .running : .stoppedLow
    }

    /// Answers every complete message the bulk OUT reader holds.
    func takeCommands() {
        while true {
            let buffered = reader.bufferedByteCount
            do {
                guard let command = try reader.nextCommand() else { return }
                handle(command)
            } catch {
                malformed(error, buffered: buffered)
            }
        }
    }

    /// A message that did not parse: the failure reply of its type when the header is there
    /// (bError 0 for an unknown bMessageType, 5 for a wrong bSlot, else the bad field's offset).
    private func malformed(_ error: CCIDError, buffered: Int) {
        guard let header = error.header, let slotError = error.slotError else { return }
        if case .messageTooLong = error, header.messageLength <= CCIDLimits.maxMessageLength {
            // The reader dropped what it held; the rest of the message is still to come.
            bulkOutDiscard = max(0, header.messageLength - buffered)
        }
        let bError: CCIDSlotError
        if case .unknownMessageType = error {
            bError = .commandNotSupported
        } else if header.bSlot != 0 {
            bError = .badParameter(offset: 5)
        } else {
            bError = slotError
        }
        reply(.failure(answering: header, error: bError, iccStatus: iccStatus))
    }

    func handle(_ command: CCIDCommand) {
        let header = command.header
        guard command.bSlot == 0 else {
            return reply(.failure(answering: header, error: .badParameter(offset: 5), iccStatus: iccStatus))
        }
        switch command.message {
        case .abort:
            // Never refused as busy or aborting: it is what ends those states (§5.3.1).
            bulkAbort(header)
        case _ where !admits(header):
            return
        case .iccPowerOn:
            guard cardPresent else { return reply(.failure(answering: header, error: .ICC_MUTE, iccStatus: .absent)) }
            powerDown()
            iccActive = true
            protocolData = defaultProtocolData
            reply(dataBlock(answering: header, cardATR))
        case .iccPowerOff:
            powerDown()
            reply(slotStatus(answering: header))
        case .getSlotStatus:
            reply(slotStatus(answering: header))
        case .xfrBlock(_, let wLevelParameter, let abData):
            xfrBlock(header, wLevelParameter: wLevelParameter, abData: abData)
        case .getParameters:
            reply(parameters(answering: header))
        case .resetParameters:
            protocolData = defaultProtocolData
            reply(parameters(answering: header))
        case .setParameters(let requested):
            if let offset = TokenDevice.badField(requested, exchange: exchange) {
                return reply(.failure(answering: header, error: .badParameter(offset: offset), iccStatus: iccStatus))
            }
            protocolData = requested
            reply(parameters(answering: header))
        case .iccClock(let bClockCommand):
            if iccActive { clockStopped = bClockCommand == .stop }
            reply(slotStatus(answering: header))
        case .setDataRateAndClockFrequency:
            // One clock and one rate: the reply gives the values in use (§6.2.5).
            reply(CCIDReply(bSeq: header.bSeq, bStatus: CCIDSlotStatus(iccStatus),
                            .dataRateAndClockFrequency(dwClockFrequency: TokenDescriptors.clockFrequency,
                                                       dwDataRate: TokenDescriptors.dataRate)))
        case .secure(_, let wLevelParameter, let abData):
            secure(header, wLevelParameter: wLevelParameter, abData: abData)
        case .escape, .t0APDU, .mechanical:
            // No vendor commands, no T=0 APDU class changes, no mechanics:
            // the spec's reply type, failed, bError 00 "command not supported".
            reply(.failure(answering: header, error: .commandNotSupported, iccStatus: iccStatus))
        }
    }

    /// Whether the slot takes a command other than Abort now; if not, the refusal is sent.
    /// Between the control ABORT and its PC_to_RDR_Abort every command fails with
    /// CMD_ABORTED (§5.3.1); while a command is open, with CMD_SLOT_BUSY.
    private func admits(_ header: CCIDHeader) -> Bool {
        if abortingSeq != nil {
            reply(.failure(answering: header, error: .CMD_ABORTED, iccStatus: iccStatus))
            return false
        }
        lastAbortSeq = nil
        guard open == nil else {
            reply(.failure(answering: header, error: .CMD_SLOT_BUSY, iccStatus: iccStatus))
            return false
        }
        return true
    }

    // MARK: XfrBlock

    private func xfrBlock(_ header: CCIDHeader, wLevelParameter: UInt16, abData: [UInt8]) {
        guard cardPresent else { return reply(.failure(answering: header, error: .ICC_MUTE, iccStatus: .absent)) }
        guard iccActive else {
            return reply(.failure(answering: header, error: .ICC_MUTE, iccStatus: .presentInactive))
        }
        if exchange == .tpduT0 { return t0Block(header, abData: abData) }
        guard exchange == .extendedAPDU else { return tpduBlock(header, abData: abData) }
        // dwMaxCCIDMessageLength covers every command, so the APDU always begins and ends
        // here: wLevelParameter (offset 8) must be 0.
        guard wLevelParameter == 0 else {
            return reply(.failure(answering: header, error: .badParameter(offset: 8), iccStatus: iccStatus))
        }
        run(abData, answering: header) { $0 }
    }

    /// Runs one command APDU for the data block `header` (through the fault hook): an answer goes
    /// out at once, shaped by `answer` (the T=0 card adds its procedure); otherwise the command
    /// stays open — with time extensions while the holder decides or a fault holds the answer
    /// (a T=0 card sends NULL procedure bytes then, which the reader turns into the same), without
    /// them when the card is silent or lost power.
    func run(_ apdu: [UInt8], answering header: CCIDHeader, answer: ([UInt8]) -> [UInt8]) {
        switch runCommand(apdu) {
        case .answer(let response):
            reply(dataBlock(answering: header, answer(response)))
        case .waitingForHolder, .held(timeExtensions: true), .askForTime:
            open = OpenCommand(header: header, nextTimeExtension: now + TokenDevice.timeExtensionInterval,
                               wtxDeadline: nil)
        case .held(timeExtensions: false), .powerLost:
            open = OpenCommand(header: header, nextTimeExtension: UInt64.max, wtxDeadline: nil)
        case .cardGone(let fault):
            cardGone(fault, answering: header)
        }
    }

    /// The card finished the command that waited for the holder (OK, Cancel, timeout).
    func cardAnswered(_ answer: [UInt8]) {
        let response = replacementAnswer ?? answer
        replacementAnswer = nil
        switch exchange {
        case .extendedAPDU:
            guard let command = open else { return }
            open = nil
            reply(dataBlock(answering: command.header, response))
        case .tpdu:
            pollDeadline = nil
            guard let block = t1.cardResponded(response), let command = open else { return }
            open = nil
            reply(dataBlock(answering: command.header, maybeCorrupted(block.bytes)))
        case .tpduT0:
            t0CardAnswered(response)
        }
    }

    // MARK: Abort (CCID rev 1.1 §5.3.1)

    /// The control request ABORT: the command in progress ends with CMD_ABORTED at once;
    /// the slot then fails other commands until the PC_to_RDR_Abort with this bSeq arrives
    /// (unless it came first).
    func controlAbort(bSeq: UInt8) {
        abortOpenCommand()
        if lastAbortSeq == bSeq {
            lastAbortSeq = nil
        } else {
            abortingSeq = bSeq
        }
    }

    /// PC_to_RDR_Abort, after the control ABORT or alone: ends the command in progress (its
    /// reply: failure CMD_ABORTED), then answers with RDR_to_PC_SlotStatus.
    private func bulkAbort(_ header: CCIDHeader) {
        abortOpenCommand()
        lastAbortSeq = abortingSeq == nil ? header.bSeq : nil
        abortingSeq = nil
        reply(slotStatus(answering: header))
    }

    private func abortOpenCommand() {
        dropPINEntry()
        if let command = open {
            open = nil
            reply(.failure(answering: command.header, error: .CMD_ABORTED, iccStatus: iccStatus))
        }
        if card.isWaiting { card.abort() }
        if exchange == .tpdu { t1.abandonExchange() }
        if exchange == .tpduT0 { t0.abandon() }
        pollDeadline = nil
        dropFaultState()
    }

    // MARK: Replies

    func dataBlock(answering header: CCIDHeader, _ abData: [UInt8]) -> CCIDReply {
        CCIDReply(bSeq: header.bSeq, bStatus: CCIDSlotStatus(iccStatus),
                  .dataBlock(bChainParameter: .beginsAndEnds, abData: abData))
    }

    private func slotStatus(answering header: CCIDHeader) -> CCIDReply {
        CCIDReply(bSeq: header.bSeq, bStatus: CCIDSlotStatus(iccStatus), .slotStatus(bClockStatus: clockStatus))
    }

    private func parameters(answering header: CCIDHeader) -> CCIDReply {
        CCIDReply(bSeq: header.bSeq, bStatus: CCIDSlotStatus(iccStatus), .parameters(protocolData))
    }
}

/// The PC_to_RDR_XfrBlock the slot is still working on while the card waits for the holder
/// (CCID rev 1.1 §6.2.6: the reader keeps the host waiting with time-extension replies).
struct OpenCommand {
    /// The command's header: its reply (final, failure or time extension) repeats bSlot and bSeq.
    let header: CCIDHeader
    /// When the next time-extension reply (bStatus 0x80) is due, platform clock milliseconds.
    var nextTimeExtension: UInt64
    /// TPDU level: when the T=1 waiting time the host granted runs out, so the card asks for
    /// more with S(WTX request) (ISO/IEC 7816-3 §11.6.2.3 rule 3).
    var wtxDeadline: UInt64?
}
