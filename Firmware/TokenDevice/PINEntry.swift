import CardOS
import CCID
import ISO7816

/// A key on the token's keypad: the digits 0–9, OK, Cancel and Clear. OK and Cancel are the
/// same two buttons a confirmation uses.
public enum KeypadKey: Sendable, Hashable {
    case digit(UInt8)
    case ok
    case cancel
    case clear

    /// `0`…`9`, `ok`, `cancel`, `clear` (the control socket's and `ukey emulator type --keys`'s names).
    public init?(name: String) {
        switch name {
        case "ok": self = .ok
        case "cancel": self = .cancel
        case "clear": self = .clear
        default:
            guard name.utf8.count == 1, let c = name.utf8.first, c >= 0x30, c <= 0x39 else { return nil }
            self = .digit(c - 0x30)
        }
    }
}

/// One PIN entry on the keypad for PC_to_RDR_Secure (CCID rev 1.1 §6.1.11): the prompts in
/// order ("Enter PIN", "New PIN", "Confirm PIN"), the digits typed so far (shown as `*`), and the
/// APDU built from them at the end. The digits are wiped as soon as they are used or dropped.
struct PINEntry {
    enum Stage: Equatable {
        case current, new, confirm

        var prompt: String {
            switch self {
            case .current: return "Enter PIN"
            case .new: return "New PIN"
            case .confirm: return "Confirm PIN"
            }
        }
    }

    /// What a key press (or the time-out) leads to.
    enum Step: Equatable {
        /// Keep waiting; the screen may have changed.
        case typing
        /// The holder pressed Cancel: the slot error PIN_CANCELLED.
        case cancelled
        /// The time ran out: the slot error PIN_TIMEOUT.
        case timedOut
        /// The entry is complete: give this APDU to the card.
        case command([UInt8])
        /// The entry failed on the device itself: this response APDU (6402 the new PINs differ,
        /// 6403 too few digits), as part 10 names them.
        case response([UInt8])
    }

    /// Part 10's answers for a failed modification or a PIN of the wrong length.
    static let newPINsDiffer = StatusWord(0x6402)
    static let wrongPINLength = StatusWord(0x6403)
    /// The most digits the keypad takes, whatever the command allows.
    static let keypadMaximum = 16

    let operation: CCIDPINOperation
    let stages: [Stage]
    private(set) var stage = 0
    private(set) var digits: [UInt8] = []
    private var completed: [[UInt8]] = []
    /// Each stage's time-out, milliseconds.
    let timeout: UInt64
    private(set) var deadline: UInt64

    /// Checks the structure (the APDU template parses, the PIN and its length field fit): the
    /// error's offset is the byte of abData at fault.
    init(_ operation: CCIDPINOperation, now: UInt64, defaultTimeout: UInt64) throws(CCIDPINOperationError) {
        self.operation = operation
        if operation.isModification {
            var stages: [Stage] = operation.bConfirmPIN & 0x02 != 0 ? [.current, .new] : [.new]
            if operation.bConfirmPIN & 0x01 != 0 { stages.append(.confirm) }
            self.stages = stages
        } else {
            stages = [.current]
        }
        timeout = operation.bTimeOut == 0 ? defaultTimeout : UInt64(operation.bTimeOut) * 1000
        deadline = now + timeout
        // A dry run with the longest PIN proves every field fits the template.
        let longest = [UInt8](repeating: 9, count: maximumDigits)
        _ = try PINBlockBuilder.apdu(operation, current: stages.first == .current ? longest : nil,
                                     new: operation.isModification ? longest : nil)
        guard minimumDigits <= maximumDigits else { throw CCIDPINOperationError(offset: operation.isModification ? 7 : 5) }
    }

    var minimumDigits: Int { max(1, operation.minimumDigits) }
    var maximumDigits: Int {
        let asked = operation.maximumDigits == 0 ? PINEntry.keypadMaximum : operation.maximumDigits
        return min(asked, PINEntry.keypadMaximum, PINBlockBuilder.capacity(operation))
    }

    var currentStage: Stage { stages[stage] }

    /// The screen now: the prompt, one `*` per digit.
    var screen: Screen {
        Screen(lines: [currentStage.prompt, String(repeating: "*", count: digits.count), "", "OK  Clear  Cancel"],
               page: 0, pageCount: 1)
    }

    mutating func press(_ key: KeypadKey, now: UInt64) -> Step {
        switch key {
        case .digit(let d):
            guard d <= 9, digits.count < maximumDigits else { return .typing }
            digits.append(d)
            if operation.bEntryValidationCondition & 0x01 != 0 && digits.count == maximumDigits {
                return endStage(now: now)
            }
            return .typing
        case .clear:
            PINEntry.wipe(&digits)
            return .typing
        case .cancel:
            wipeAll()
            return .cancelled
        case .ok:
            // Condition 0 or one without bit 1 is corrected to "OK key" by libccid; OK always ends.
            return endStage(now: now)
        }
    }

    /// The time ran out: with bit 2 of bEntryValidationCondition and enough digits the entry
    /// ends as with OK, else PIN_TIMEOUT.
    mutating func timeOut(now: UInt64) -> Step {
        if operation.bEntryValidationCondition & 0x04 != 0 && digits.count >= minimumDigits {
            return endStage(now: now)
        }
        wipeAll()
        return .timedOut
    }

    private mutating func endStage(now: UInt64) -> Step {
        guard digits.count >= minimumDigits else {
            wipeAll()
            return .response(PINEntry.wrongPINLength.bytes)
        }
        if currentStage == .confirm {
            let same = completed.last.map { PINEntry.equal($0, digits) } ?? false
            guard same else {
                wipeAll()
                return .response(PINEntry.newPINsDiffer.bytes)
            }
            PINEntry.wipe(&digits)
        } else {
            completed.append(digits)
            digits = []
        }
        if stage + 1 < stages.count {
            stage += 1
            deadline = now + timeout
            return .typing
        }
        let apdu: [UInt8]
        do {
            if operation.isModification {
                let current = stages.first == .current ? completed.first : nil
                apdu = try PINBlockBuilder.apdu(operation, current: current, new: completed.last)
            } else {
                apdu = try PINBlockBuilder.apdu(operation, current: completed.first ?? [], new: nil)
            }
        } catch {
            wipeAll()
            return .response(StatusWord.wrongData.bytes)
        }
        wipeAll()
        return .command(apdu)
    }

    /// Overwrites every digit held.
    mutating func wipeAll() {
        PINEntry.wipe(&digits)
        for i in completed.indices { PINEntry.wipe(&completed[i]) }
        completed = []
    }

    static func wipe(_ bytes: inout [UInt8]) {
        for i in bytes.indices { bytes[i] = 0 }
        bytes = []
    }

    /// Compares two digit strings in time independent of where they differ.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}

/// Puts typed digits into the APDU template as the CCID structure describes: the PIN in ASCII
/// or BCD at its position (bits or bytes), left or right justified in its block, its length in
/// the length field when there is one; with block size 0 the data ends after the PIN and Lc is
/// set to match. A modification puts the current PIN at position + bInsertionOffsetOld bytes and
/// the new one at position + bInsertionOffsetNew bytes.
enum PINBlockBuilder {
    /// bmFormatString's PIN formats.
    static let binary: UInt8 = 0, bcd: UInt8 = 1, ascii: UInt8 = 2

    /// How many digits fit the PIN block (unbounded when the block size is 0).
    static func capacity(_ operation: CCIDPINOperation) -> Int {
        let block = Int(operation.bmPINBlockString & 0x0F)
        guard block > 0 else { return Int.max }
        return operation.bmFormatString & 0x03 == bcd ? block * 2 : block
    }

    static func apdu(_ operation: CCIDPINOperation, current: [UInt8]?, new: [UInt8]?) throws(CCIDPINOperationError) -> [UInt8] {
        let template: CommandAPDU
        do {
            template = try CommandAPDU(parsing: operation.abPINApdu)
        } catch {
            throw CCIDPINOperationError(offset: operation.teoPrologueOffset + 3)
        }
        let format = operation.bmFormatString & 0x03
        guard format == bcd || format == ascii else { throw CCIDPINOperationError(offset: 2) }
        var data = template.data
        if operation.isModification {
            if let current { try insert(current, into: &data, operation, extraBytes: Int(operation.bInsertionOffsetOld)) }
            if let new { try insert(new, into: &data, operation, extraBytes: Int(operation.bInsertionOffsetNew)) }
        } else if let current {
            try insert(current, into: &data, operation, extraBytes: 0)
        }
        do {
            return try CommandAPDU(cla: template.cla, ins: template.ins, p1: template.p1, p2: template.p2, data: data,
                                   ne: template.ne, extended: template.isExtended).bytes
        } catch {
            throw CCIDPINOperationError(offset: operation.teoPrologueOffset + 3)
        }
    }

    private static func insert(_ digits: [UInt8], into data: inout [UInt8], _ operation: CCIDPINOperation,
                               extraBytes: Int) throws(CCIDPINOperationError) {
        let format = operation.bmFormatString & 0x03
        let digitBits = format == ascii ? 8 : 4
        let unit = operation.bmFormatString & 0x80 != 0 ? 8 : 1
        let start = Int(operation.bmFormatString >> 3 & 0x0F) * unit + extraBytes * 8
        let blockBytes = Int(operation.bmPINBlockString & 0x0F)
        let pinBits = digits.count * digitBits
        var first = start
        if blockBytes == 0 {
            let end = (start + pinBits + 7) / 8
            data = Array(data.prefix(end)) + [UInt8](repeating: 0, count: max(0, end - data.count))
        } else {
            guard start + blockBytes * 8 <= data.count * 8 else { throw CCIDPINOperationError(offset: 3) }
            guard pinBits <= blockBytes * 8 else { throw CCIDPINOperationError(offset: 3) }
            if operation.bmFormatString & 0x04 != 0 { first = start + blockBytes * 8 - pinBits }
        }
        for (i, digit) in digits.enumerated() {
            setBits(&data, at: first + i * digitBits, width: digitBits, value: format == ascii ? 0x30 + digit : digit)
        }
        let lengthBits = Int(operation.bmPINBlockString >> 4)
        if lengthBits > 0 {
            let lengthUnit = operation.bmPINLengthFormat & 0x10 != 0 ? 8 : 1
            let position = Int(operation.bmPINLengthFormat & 0x0F) * lengthUnit + extraBytes * 8
            guard lengthBits <= 8, position + lengthBits <= data.count * 8 else { throw CCIDPINOperationError(offset: 4) }
            setBits(&data, at: position, width: lengthBits, value: UInt8(digits.count))
        }
    }

    /// Writes the low `width` bits of `value` at bit `offset` (bit 0 the most significant of byte 0).
    private static func setBits(_ data: inout [UInt8], at offset: Int, width: Int, value: UInt8) {
        for bit in 0..<width {
            let position = offset + bit
            let mask = UInt8(0x80) >> UInt8(position % 8)
            if value >> UInt8(width - 1 - bit) & 1 == 1 {
                data[position / 8] |= mask
            } else {
                data[position / 8] &= ~mask
            }
        }
    }
}
