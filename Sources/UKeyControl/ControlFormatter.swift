/// The human-readable form of control-socket replies and events, for `ukey emulator status`,
/// `press`, `insert`, `remove` and `events` without `--json`.
public enum ControlFormatter {
    /// One JSON line, keys sorted (what `--json` prints).
    public static func json(_ value: some Encodable) -> String {
        ControlLine.text(value)
    }

    /// `ukey emulator status`: the state directory, the listeners, one block per token.
    public static func status(_ status: ControlStatus) -> String {
        var lines = ["state      \(status.state)"]
        for listener in status.listeners { lines.append("listening  \(listener)") }
        lines.append("confirm    \(status.confirm)")
        for token in status.tokens {
            var flags = [token.present ? "card present" : "card removed"]
            if token.imported { flags.append("imported") }
            if token.vpcd { flags.append("vpcd") }
            if token.waiting { flags.append("waiting for the holder") }
            lines.append("token \(token.busid)  serial \(token.serial)  " + flags.joined(separator: ", "))
            if let screen = token.screen {
                lines.append("  screen \(screen.page)/\(screen.pages)")
                for line in screen.lines { lines.append("  │\(line)") }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// One event line: `1-1 display 1/3: [Payee account] [DE89…]`, `1-1 signed counter 3`.
    public static func event(_ event: ControlEvent) -> String {
        switch event.kind {
        case .display(let lines, let page, let pages):
            return "\(event.token) display \(page)/\(pages): " + lines.map { "[\($0)]" }.joined(separator: " ")
        case .waiting(let page, let pages):
            return "\(event.token) waiting \(page)/\(pages)"
        case .signed(let counter):
            return "\(event.token) signed counter \(counter)"
        case .fault(let id, let action):
            return "\(event.token) fault \(id) \(action)"
        case .denied, .timeout, .aborted, .pinBlocked, .inserted, .removed:
            return "\(event.token) \(event.kind.name)"
        case .otp(let account):
            return "\(event.token) otp [\(account)]"
        case .pinEntry(let digits):
            return "\(event.token) pin-entry \(digits) digits"
        }
    }

    /// A reply to `press`, `insert` or `remove`.
    public static func result(_ reply: ControlReply) -> String {
        switch reply {
        case .slot(let token, let present): "\(token): card \(present ? "present" : "removed")"
        case .pressed(let token, let waiting): "\(token): " + (waiting ? "next page shown" : "decided")
        case .stopping: "stopping"
        case .reset(let token, let serial): "\(token): reset, serial \(serial)"
        case .configured(let confirm): "confirm \(confirm)"
        case .faults(let token, let faults):
            faults.isEmpty ? "\(token): no faults" : faults.map { "\(token) " + describe($0) }.joined(separator: "\n")
        case .capture(let file, let active):
            active ? "capturing to \(file ?? "")" : (file.map { "capture \($0) closed" } ?? "no capture was running")
        case .failure, .status, .subscribed: ": ok"
        }
    }

    /// `fault 1: ins 2A nth 1 times 1 → respond 6F00 before (fired 0)`.
    public static func describe(_ fault: ControlFault) -> String {
        var match: [String] = []
        if let cla = fault.cla { match.append("cla \(cla)") }
        if let ins = fault.ins { match.append("ins \(ins)") }
        if let p1p2 = fault.p1p2 { match.append("p1p2 \(p1p2)") }
        if let prefix = fault.apduPrefix { match.append("apdu-prefix \(prefix)") }
        if match.isEmpty { match.append("any command") }
        match.append("nth \(fault.nth ?? 1)")
        match.append(fault.always == true ? "always" : "times \(fault.times ?? 1)")
        var action = fault.action
        if let sw = fault.sw { action += " \(sw) " + (fault.after == true ? "after" : "before") }
        if let milliseconds = fault.milliseconds { action += " \(milliseconds) ms" }
        if let multiplier = fault.multiplier { action += " \(multiplier)" }
        return "fault \(fault.id ?? 0): " + match.joined(separator: " ") + " → " + action + " (fired \(fault.fired ?? 0))"
    }
}
