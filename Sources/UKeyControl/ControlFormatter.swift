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
        case .denied, .timeout, .aborted, .pinBlocked, .inserted, .removed:
            return "\(event.token) \(event.kind.name)"
        case .pinEntry(let digits):
            return "\(event.token) pin-entry \(digits) digits"
        }
    }

    /// A reply to `press`, `insert` or `remove`.
    public static func result(_ reply: ControlReply) -> String {
        switch reply {
        case .slot(let token, let present): "\(token): card \(present ? "present" : "removed")"
        case .pressed(let token, let waiting): "\(token): " + (waiting ? "next page shown" : "decided")
        case .failure, .status, .subscribed: ": ok"
        }
    }
}
