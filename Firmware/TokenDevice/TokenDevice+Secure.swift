import CardOS
import CCID
import ISO7816

/// PC_to_RDR_Secure (CCID rev 1.1 §6.1.11): the PIN typed on the token's keypad. The device
/// shows the prompts, takes the digits, builds the VERIFY or CHANGE REFERENCE DATA APDU itself
/// and gives it to the card OS as a keypad command (``CommandOrigin/keypad``): the PIN never
/// crosses USB. While the holder types, time-extension replies go out as for a confirmation.
///
/// The answer: the card's response APDU in a DataBlock (at TPDU level inside a T=1 I-block whose
/// N(S) is the card's, after an I-block from the reader with the bTeoPrologue given); Cancel
/// fails the command with PIN_CANCELLED (EF), the time-out with PIN_TIMEOUT (F0); too few digits
/// answer 6403 and a confirmation that differs 6402 (part 10's codes), with no APDU sent.
extension TokenDevice {
    func secure(_ header: CCIDHeader, wLevelParameter: UInt16, abData: [UInt8]) {
        guard cardPresent else { return reply(.failure(answering: header, error: .ICC_MUTE, iccStatus: .absent)) }
        guard iccActive else {
            return reply(.failure(answering: header, error: .ICC_MUTE, iccStatus: .presentInactive))
        }
        guard wLevelParameter == 0 else {
            return reply(.failure(answering: header, error: .badParameter(offset: 8), iccStatus: iccStatus))
        }
        let entry: PINEntry
        do throws(CCIDPINOperationError) {
            let operation = try CCIDPINOperation(parsing: abData)
            entry = try PINEntry(operation, now: now, defaultTimeout: card.platform.presence.confirmationTimeout)
            if exchange == .tpdu {
                guard operation.bTeoPrologue.count == 3, operation.bTeoPrologue[0] == 0,
                      t1.acceptsKeypadBlock(pcb: operation.bTeoPrologue[1]) else {
                    throw CCIDPINOperationError(offset: operation.teoPrologueOffset)
                }
            }
        } catch {
            let offset = UInt8(truncatingIfNeeded: min(CCIDHeader.count + error.offset, 0x7F))
            return reply(.failure(answering: header, error: .badParameter(offset: offset), iccStatus: iccStatus))
        }
        pinEntry = entry
        open = OpenCommand(header: header, nextTimeExtension: now + TokenDevice.timeExtensionInterval, wtxDeadline: nil)
        show(entry)
    }

    /// A key on the keypad. During a PIN entry every key goes to it; otherwise OK and Cancel
    /// are the confirmation buttons and the other keys do nothing.
    public func press(key: KeypadKey) {
        guard var entry = pinEntry else {
            switch key {
            case .ok: press(.ok)
            case .cancel: press(.cancel)
            case .digit, .clear: break
            }
            return
        }
        let step = entry.press(key, now: now)
        pinEntry = entry
        pinEntryStep(step)
    }

    /// Whether the token waits for a PIN on its keypad.
    public var isWaitingForPIN: Bool { pinEntry != nil }

    /// The time-out of the PIN entry under way, from ``tick()``.
    func tickPINEntry() {
        guard var entry = pinEntry, now >= entry.deadline else { return }
        let step = entry.timeOut(now: now)
        pinEntry = entry
        pinEntryStep(step)
    }

    /// Ends the PIN entry without an answer (abort, power-off, removal, detach): digits wiped.
    func dropPINEntry() {
        guard var entry = pinEntry else { return }
        entry.wipeAll()
        pinEntry = nil
        card.platform.presence.clear()
    }

    private func pinEntryStep(_ step: PINEntry.Step) {
        guard let entry = pinEntry else { return }
        switch step {
        case .typing:
            show(entry)
        case .cancelled:
            endPINEntry(failing: .PIN_CANCELLED)
        case .timedOut:
            endPINEntry(failing: .PIN_TIMEOUT)
        case .response(let response):
            dropPINEntry()
            if exchange == .tpdu { t1.keypadCommandSent() }
            cardAnswered(response)
        case .command(let apdu):
            dropPINEntry()
            if exchange == .tpdu { t1.keypadCommandSent() }
            switch card.process(apdu, origin: .keypad) {
            case .response(let response):
                cardAnswered(response)
            case .waiting:
                break       // the card OS shows its confirmation; OK, Cancel or the time-out answer
            case .noAnswer:
                lostPower()  // a torn commit: the command gets nothing, as on any power loss
            }
        }
    }

    /// The prompt with one `*` per digit, and the event with the count (never the digits).
    private func show(_ entry: PINEntry) {
        card.platform.presence.show(entry.screen)
        card.platform.presence.notify(.pinEntry(digits: entry.digits.count))
    }

    private func endPINEntry(failing error: CCIDSlotError) {
        dropPINEntry()
        guard let command = open else { return }
        open = nil
        reply(.failure(answering: command.header, error: error, iccStatus: iccStatus))
    }
}
