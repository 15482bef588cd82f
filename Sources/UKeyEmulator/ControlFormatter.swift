import Foundation

/// The human-readable form of control-socket replies and events, for `ukey emulator status`,
/// `press`, `insert`, `remove` and `events` without `--json`.
public enum ControlFormatter {
    /// One JSON line, keys sorted (what `--json` prints).
    public static func json(_ object: [String: Any]) -> String {
        String(decoding: ControlSession.encode(object).dropLast(), as: UTF8.self)
    }

    /// `ukey emulator status`: the state directory, the listeners, one block per token.
    public static func status(_ reply: [String: Any]) -> String {
        var lines: [String] = []
        if let state = reply["state"] as? String { lines.append("state      \(state)") }
        for listener in reply["listeners"] as? [String] ?? [] { lines.append("listening  \(listener)") }
        if let confirm = reply["confirm"] as? String { lines.append("confirm    \(confirm)") }
        for token in reply["tokens"] as? [[String: Any]] ?? [] {
            var flags: [String] = []
            flags.append(token["present"] as? Bool == true ? "card present" : "card removed")
            if token["imported"] as? Bool == true { flags.append("imported") }
            if token["vpcd"] as? Bool == true { flags.append("vpcd") }
            if token["waiting"] as? Bool == true { flags.append("waiting for the holder") }
            lines.append("token \(token["busid"] as? String ?? "?")  serial \(token["serial"] as? String ?? "?")  "
                         + flags.joined(separator: ", "))
            if let screen = token["screen"] as? [String: Any] {
                lines.append("  screen \(screen["page"] ?? "?")/\(screen["pages"] ?? "?")")
                for line in screen["lines"] as? [String] ?? [] { lines.append("  │\(line)") }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// One event line: `1-1 display 1/3: [Payee account] [DE89…]`, `1-1 signed counter 3`.
    public static func event(_ line: [String: Any]) -> String {
        let token = line["token"] as? String ?? "?"
        let name = line["event"] as? String ?? "?"
        switch name {
        case "display":
            let text = (line["lines"] as? [String] ?? []).map { "[\($0)]" }.joined(separator: " ")
            return "\(token) display \(line["page"] ?? "?")/\(line["pages"] ?? "?"): \(text)"
        case "waiting":
            return "\(token) waiting \(line["page"] ?? "?")/\(line["pages"] ?? "?")"
        case "signed":
            return "\(token) signed counter \(line["counter"] ?? "?")"
        default:
            return "\(token) \(name)"
        }
    }

    /// A reply to `press`, `insert` or `remove`.
    public static func result(_ reply: [String: Any]) -> String {
        let token = reply["token"] as? String ?? ""
        if let present = reply["present"] as? Bool { return "\(token): card \(present ? "present" : "removed")" }
        if let waiting = reply["waiting"] as? Bool { return "\(token): " + (waiting ? "next page shown" : "decided") }
        return "\(token): ok"
    }
}
