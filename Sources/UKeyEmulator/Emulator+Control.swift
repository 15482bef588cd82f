import CardOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The requests of the control socket (README, "Emulator control socket"): `status`, `press`,
/// `insert`, `remove`, `events`. Every reply has `ok`; a failure has `error` as well.
extension Emulator {
    func handleControl(_ line: [UInt8], from session: ControlSession) -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)),
              let request = object as? [String: Any] else {
            return failure("the request is not a JSON object")
        }
        guard let op = request["op"] as? String else { return failure("missing \"op\"") }
        switch op {
        case "status":
            return status()
        case "events":
            session.subscribed = true
            return ["ok": true, "subscribed": true]
        case "press", "insert", "remove":
            let name = request["token"] as? String
            guard let token = token(named: name) else {
                return failure(name == nil || name == ""
                    ? "\(tokens.count) tokens: say which with \"token\" (a bus id or a serial)"
                    : "no token \(name!)")
            }
            return op == "press" ? press(token, request) : slot(token, insert: op == "insert")
        default:
            return failure("unknown op \"\(op)\" (status, press, insert, remove, events)")
        }
    }

    private func failure(_ message: String) -> [String: Any] {
        ["ok": false, "error": message]
    }

    private func status() -> [String: Any] {
        [
            "ok": true,
            "pid": Int(getpid()),
            "state": stateDirectory,
            "listeners": listenerAddresses,
            "confirm": configuration.confirmation.rawValue,
            "tokens": tokens.map { token -> [String: Any] in
                var entry: [String: Any] = [
                    "token": token.busid,
                    "busid": token.busid,
                    "serial": token.serialHex,
                    "present": token.device.isCardPresent,
                    "imported": token.session != nil,
                    "vpcd": token.cardPort != nil,
                    "waiting": token.isWaiting,
                ]
                if let screen = token.screen {
                    entry["screen"] = ["lines": screen.lines, "page": screen.page + 1, "pages": screen.pageCount]
                } else {
                    entry["screen"] = NSNull()
                }
                return entry
            },
        ]
    }

    private func press(_ token: EmulatedToken, _ request: [String: Any]) -> [String: Any] {
        let button: Button
        switch request["button"] as? String {
        case "ok"?: button = .ok
        case "cancel"?: button = .cancel
        default: return failure("\"button\" must be \"ok\" or \"cancel\"")
        }
        let once = request["once"] as? Bool ?? false
        guard token.press(button, throughEveryPage: !once) else {
            return failure("token \(token.busid) is not waiting for a confirmation")
        }
        pump(token)
        return ["ok": true, "token": token.busid, "waiting": token.isWaiting]
    }

    private func slot(_ token: EmulatedToken, insert: Bool) -> [String: Any] {
        let wasPresent = token.device.isCardPresent
        if insert { token.device.insertCard() } else { token.device.removeCard() }
        pump(token)
        if wasPresent != insert {
            broadcast(["event": insert ? "inserted" : "removed", "token": token.busid])
        }
        return ["ok": true, "token": token.busid, "present": token.device.isCardPresent]
    }
}
