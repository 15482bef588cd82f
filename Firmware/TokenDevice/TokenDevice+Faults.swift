import CardOS
import CCID
import ISO7816

/// A fault a test harness injects into one command (the emulator's `fault add`): the device
/// asks ``TokenDevice/commandHook`` once per complete command APDU (chained parts joined, as
/// ``CardOS/completeCommand(_:)`` gives it) and acts on the answer. A fault only makes the token
/// fail or answer differently: the command itself, when it runs, runs exactly as without it
/// (PIN, confirmation and key checks included).
public enum CommandFault: Equatable, Sendable {
    /// The command is not run (nothing changes on the card); this response APDU is the answer.
    case answerInstead([UInt8])
    /// The command runs (counters move, keys are used, a confirmation is asked as usual) and
    /// this response APDU replaces its answer.
    case replaceAnswer([UInt8])
    /// The command runs; its answer leaves after this many milliseconds, with time extensions
    /// meanwhile (CCID bStatus 0x80; at TPDU level S(WTX request)) as a busy card sends them.
    case delay(milliseconds: UInt64)
    /// The command is not run and the card never answers: with `timeExtensions` it keeps
    /// asking for time until the host gives up (CCID Abort); without, it is silent and the
    /// host's own command time-out fires.
    case noAnswer(timeExtensions: Bool)
    /// The card leaves the slot while the command runs (not run): the XfrBlock fails with
    /// ICC_MUTE, ICC absent, and a NotifySlotChange follows. It stays out until inserted.
    case remove
    /// The card resets while the command runs (not run): the XfrBlock fails with ICC_MUTE, the
    /// card is unpowered and forgets its volatile state; the host powers it on again (ATR).
    case reset
    /// TPDU level: the command runs; the first block of its answer goes out with a wrong EDC
    /// (the reader's R-block then gets the intact block again).
    case corruptBlock
    /// TPDU level: the command runs; before its answer the card sends S(WTX request) with this
    /// multiplier and answers once the reader granted it.
    case waitingTimeExtension(multiplier: UInt8)
}

/// An answer the device holds back (``CommandFault/delay(milliseconds:)``,
/// ``CommandFault/noAnswer(timeExtensions:)``, ``CommandFault/waitingTimeExtension(multiplier:)``).
struct HeldAnswer {
    /// `nil`: never answered.
    var response: [UInt8]?
    /// When it is released, platform clock milliseconds.
    var releaseAt: UInt64
}

/// What became of a command the slot passed to the card.
enum CommandStep {
    /// The card's answer, now.
    case answer([UInt8])
    /// The card waits for the holder.
    case waitingForHolder
    /// The answer is held back (a fault); time extensions meanwhile or not.
    case held(timeExtensions: Bool)
    /// T=1: ask for time with this multiplier first, the answer is held until granted.
    case askForTime(multiplier: UInt8)
    /// The card left the slot or reset: the command fails without an answer from the card.
    case cardGone(CommandFault)
    /// Power failed during the command (a torn NVM commit): nothing is sent.
    case powerLost
}

extension TokenDevice {
    /// Runs one command APDU through the card, applying the fault the hook names, if any.
    func runCommand(_ apdu: [UInt8]) -> CommandStep {
        guard let hook = commandHook, let command = card.completeCommand(apdu), let fault = hook(command) else {
            return step(card.process(apdu))
        }
        switch fault {
        case .answerInstead(let response):
            card.discardCommand()
            return .answer(response)
        case .replaceAnswer(let response):
            let output = card.process(apdu)
            switch output {
            case .response: return .answer(response)
            case .waiting: replacementAnswer = response
            case .noAnswer: break
            }
            return step(output)
        case .delay(let milliseconds):
            let output = card.process(apdu)
            guard case .response(let response) = output else { return step(output) }
            heldAnswer = HeldAnswer(response: response, releaseAt: now + milliseconds)
            return .held(timeExtensions: true)
        case .noAnswer(let timeExtensions):
            card.discardCommand()
            heldAnswer = HeldAnswer(response: nil, releaseAt: UInt64.max)
            return .held(timeExtensions: timeExtensions)
        case .remove, .reset:
            card.discardCommand()
            return .cardGone(fault)
        case .corruptBlock:
            corruptNextBlock = exchange == .tpdu
            return step(card.process(apdu))
        case .waitingTimeExtension(let multiplier):
            let output = card.process(apdu)
            guard exchange == .tpdu, case .response(let response) = output else { return step(output) }
            heldAnswer = HeldAnswer(response: response, releaseAt: now)
            return .askForTime(multiplier: max(multiplier, 1))
        }
    }

    private func step(_ output: CardOutput) -> CommandStep {
        switch output {
        case .response(let response): return .answer(response)
        case .waiting: return .waitingForHolder
        case .noAnswer: return .powerLost
        }
    }

    /// The command `header` ends with the card gone (``CommandFault/remove``, ``CommandFault/reset``).
    func cardGone(_ fault: CommandFault, answering header: CCIDHeader) {
        open = OpenCommand(header: header, nextTimeExtension: UInt64.max, wtxDeadline: nil)
        if fault == .remove {
            removeCard()
            return
        }
        powerDown()
        open = nil
        reply(.failure(answering: header, error: .ICC_MUTE, iccStatus: iccStatus))
    }

    /// The answer the card gives now, if any: a confirmation that timed out, or a held answer
    /// whose time came.
    func pollCard() -> [UInt8]? {
        if card.isWaiting { return card.poll() }
        guard let held = heldAnswer, let response = held.response, now >= held.releaseAt else { return nil }
        heldAnswer = nil
        return response
    }

    /// Whether the card is still working on a command (waiting for the holder, or a fault holds
    /// its answer).
    var cardIsBusy: Bool { card.isWaiting || heldAnswer != nil }

    /// Forgets what faults hold for the command under way (abort, power-off).
    func dropFaultState() {
        heldAnswer = nil
        replacementAnswer = nil
        corruptNextBlock = false
    }

    /// Power failed during a command (a torn NVM commit): the command gets nothing, ever.
    /// Whoever runs the device sees ``CardOS`` memory's `hasLostPower` and powers it up again.
    func lostPower() {
        open = nil
        pollDeadline = nil
        dropFaultState()
    }

    /// A T=1 answer block with its EDC (last byte) made wrong, if the fault asked for it.
    func maybeCorrupted(_ bytes: [UInt8]) -> [UInt8] {
        guard corruptNextBlock, !bytes.isEmpty else { return bytes }
        corruptNextBlock = false
        var corrupted = bytes
        corrupted[corrupted.count - 1] ^= 0xFF
        return corrupted
    }
}
