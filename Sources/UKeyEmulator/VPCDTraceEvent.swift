import ISO7816

/// One hop seen by the vpcd link, for `--trace`. Events never hold secrets: the data of VERIFY,
/// CHANGE REFERENCE DATA and RESET RETRY COUNTER (INS 20, 24, 2C) is replaced by `••••` before
/// the event exists, and responses carry their status word and length only (DECIPHER answers
/// plaintext).
public enum VPCDTraceEvent: Sendable, Equatable, CustomStringConvertible {
    /// vpcd could not be reached; the link tries again after `retryAfter` milliseconds.
    case connectFailed(VPCDEndpoint, VPCDLinkError, retryAfter: Int)
    /// The card is connected to vpcd.
    case connected(VPCDEndpoint)
    /// The connection ended; the link reconnects unless it is stopping.
    case disconnected(VPCDEndpoint, VPCDLinkError)
    /// A control frame from vpcd.
    case control(VPCDControl)
    /// A command APDU from vpcd, already redacted (see ``redacted(command:)``).
    case command(String)
    /// The card's answer to the last command and how long the card took, in microseconds.
    case response(StatusWord, dataLength: Int, microseconds: Int)
    /// The link stopped on request.
    case stopped

    /// The command APDU as trace text: header, Lc and data in hex (data beyond 64 bytes
    /// elided), the command's name; PIN-carrying data is `••••` and its length is not shown.
    public static func redacted(command apdu: [UInt8]) -> String {
        guard apdu.count >= 4 else { return apdu.hexString + " (shorter than a header)" }
        let header = apdu[0..<4].map(hexByte).joined(separator: " ")
        let name = commandName(apdu)
        let carriesSecret = APDUTrace.isSecret(apdu)
        var text = header
        if apdu.count > 4 {
            if carriesSecret {
                text += " ••••"
            } else {
                let body = Array(apdu[4...])
                text += " " + (body.count > 64 ? body[..<64].hexString + "… (\(body.count) bytes)" : body.hexString)
            }
        }
        return name.isEmpty ? text : text + "  " + name
    }

    /// The banking applet's name for a command (ARCHITECTURE.md, "The banking applet").
    static func commandName(_ apdu: [UInt8]) -> String {
        let cla = apdu[0] & ~0x10, ins = apdu[1], p1 = apdu[2], p2 = apdu[3]
        switch (cla, ins) {
        case (0x00, 0xA4): return "SELECT"
        case (0x00, 0xCA): return p2 == 0x10 ? "GET CERTIFICATE" : "GET DATA"
        case (0x00, 0xDA): return "PUT CERTIFICATE"
        case (0x00, 0x20): return "VERIFY PIN"
        case (0x00, 0x24): return "CHANGE PIN"
        case (0x00, 0x2C): return "UNBLOCK PIN"
        case (0x00, 0x47): return p1 == 0x81 ? "READ PUBLIC KEY" : "GENERATE KEY"
        case (0x00, 0x2A): return p1 == 0x80 ? "DECIPHER" : "SIGN"
        case (0x00, 0x88): return "INTERNAL AUTHENTICATE"
        case (0x00, 0x84): return "GET CHALLENGE"
        case (0x00, 0xC0): return "GET RESPONSE"
        case (0x80, 0xC0): return "CONFIRM TRANSFER"
        default: return ""
        }
    }

    public var description: String {
        switch self {
        case .connectFailed(let endpoint, let error, let delay):
            return "vpcd \(endpoint): \(error); retrying in \(delay) ms"
        case .connected(let endpoint):
            return "vpcd \(endpoint): connected"
        case .disconnected(let endpoint, let error):
            return "vpcd \(endpoint): disconnected: \(error)"
        case .control(let control):
            return "vpcd → card: \(control)"
        case .command(let text):
            return "vpcd → card: > \(text)"
        case .response(let status, let length, let microseconds):
            let data = length > 0 ? "\(length) bytes, " : ""
            return "card → vpcd: < \(data)\(hexWord(status.rawValue)) \(status.meaning) (\(microseconds) µs)"
        case .stopped:
            return "vpcd link stopped"
        }
    }
}
