import HostPlatform
import ISO7816
import TokenDevice
import UKeyControl

/// A token's fault table (issue 20, `ukey emulator fault add|list|clear`): what the token does
/// wrong on which command. The device asks ``match(_:)`` once per complete command APDU
/// (chained parts joined, CLA's chaining bit cleared); the first entry that matches and is due
/// fires.
///
/// A fault only makes the token fail: a command that runs still runs under every check of the
/// card (PIN, the holder's confirmation, key separation) — the table never changes what the
/// applets decide, only what reaches the host and when.
///
/// Reactor thread only.
final class FaultTable {
    /// One entry: the request as added, its parsed match, how often it matched and fired.
    struct Entry {
        var fault: ControlFault
        var cla: UInt8?
        var ins: UInt8?
        var p1p2: UInt16?
        var prefix: [UInt8]
        var matches = 0
        var fired = 0

        /// Whether `command` matches (counting nothing).
        func matches(_ command: CommandAPDU) -> Bool {
            if let cla, cla != command.cla & ~0x10 { return false }
            if let ins, ins != command.ins { return false }
            if let p1p2, p1p2 != UInt16(command.p1) << 8 | UInt16(command.p2) { return false }
            return prefix.isEmpty || command.bytes.starts(with: prefix)
        }

        /// Counts a match; whether the fault fires on it.
        mutating func fires() -> Bool {
            matches += 1
            let nth = fault.nth ?? 1
            guard matches >= nth else { return false }
            if fault.always != true && fired >= (fault.times ?? 1) { return false }
            fired += 1
            return true
        }

        var listed: ControlFault {
            var copy = fault
            copy.fired = fired
            return copy
        }
    }

    private(set) var entries: [Entry] = []
    private var nextID = 1

    /// The table as `fault-list` shows it.
    var listed: [ControlFault] { entries.map(\.listed) }

    /// Checks and adds a fault; returns why it was refused. `exchange` decides whether the
    /// T=1-only actions are possible; `servedToVPCD` refuses `disconnect` (no USB link).
    func add(_ fault: ControlFault, exchange: ExchangeLevel, servedToVPCD: Bool) -> String? {
        var entry = Entry(fault: fault, prefix: [])
        func byte(_ text: String?, _ name: String) -> (UInt8?, String?) {
            guard let text else { return (nil, nil) }
            guard let bytes = [UInt8](hex: text), bytes.count == 1 else { return (nil, "--\(name) is one byte in hex (2A), not \(text)") }
            return (bytes[0], nil)
        }
        let (cla, claError) = byte(fault.cla, "cla")
        let (ins, insError) = byte(fault.ins, "ins")
        if let error = claError ?? insError { return error }
        entry.cla = cla
        entry.ins = ins
        if let text = fault.p1p2 {
            guard let bytes = [UInt8](hex: text), bytes.count == 2 else { return "--p1p2 is two bytes in hex (0081), not \(text)" }
            entry.p1p2 = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        }
        if let text = fault.apduPrefix {
            guard let bytes = [UInt8](hex: text), !bytes.isEmpty else { return "--apdu-prefix is hex bytes, not \(text)" }
            entry.prefix = bytes
        }
        if let nth = fault.nth, nth < 1 { return "--nth counts from 1" }
        if let times = fault.times, times < 1 { return "--times is at least 1" }
        if fault.times != nil && fault.always == true { return "--times and --always exclude each other" }
        switch fault.action {
        case "respond":
            guard let text = fault.sw, let bytes = [UInt8](hex: text), bytes.count == 2 else {
                return "--respond takes a status word in hex (6F00)"
            }
        case "delay":
            guard let milliseconds = fault.milliseconds, (0...3_600_000).contains(milliseconds) else {
                return "--delay takes a duration up to 1 h (800ms, 2s)"
            }
        case "corrupt-block", "wtx":
            guard exchange == .tpdu else { return "--\(fault.action) needs T=1 TPDU mode (ukey emulator run --exchange tpdu)" }
            if fault.action == "wtx" {
                guard let multiplier = fault.multiplier, (1...255).contains(multiplier) else { return "--wtx takes a multiplier 1…255" }
            }
        case "disconnect":
            if servedToVPCD { return "--disconnect needs a USB/IP link; this token is served to vpcd" }
        case "no-answer", "silent", "remove", "reset", "tear":
            break
        default:
            return "unknown fault action \(fault.action) (\(ControlFault.actions.joined(separator: ", ")))"
        }
        entry.fault.id = nextID
        entry.fault.fired = nil
        nextID += 1
        entries.append(entry)
        return nil
    }

    func clear() {
        entries = []
    }

    /// The fault that fires on `command`, if any (counting the match in every entry that
    /// matches, so `--nth` counts commands, not firings of other entries).
    func match(_ command: CommandAPDU) -> ControlFault? {
        var firing: ControlFault? = nil
        for index in entries.indices where entries[index].matches(command) {
            if entries[index].fires() {
                if firing == nil {
                    firing = entries[index].fault
                } else {
                    entries[index].fired -= 1   // one fault per command: the first one wins
                }
            }
        }
        return firing
    }

    /// The device-level fault for an entry's action; `nil` for what the emulator does itself
    /// around the command (`disconnect` answers nothing, then the link closes; `tear` arms the
    /// memory's crash point and lets the command run).
    static func deviceFault(_ fault: ControlFault) -> CommandFault? {
        switch fault.action {
        case "respond":
            let sw = [UInt8](hex: fault.sw ?? "6F00") ?? [0x6F, 0x00]
            return fault.after == true ? .replaceAnswer(sw) : .answerInstead(sw)
        case "delay": return .delay(milliseconds: UInt64(max(0, fault.milliseconds ?? 0)))
        case "no-answer": return .noAnswer(timeExtensions: true)
        case "silent", "disconnect": return .noAnswer(timeExtensions: false)
        case "remove": return .remove
        case "reset": return .reset
        case "corrupt-block": return .corruptBlock
        case "wtx": return .waitingTimeExtension(multiplier: UInt8(clamping: fault.multiplier ?? 1))
        default: return nil
        }
    }
}
