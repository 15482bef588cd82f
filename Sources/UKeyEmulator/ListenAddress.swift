/// Where the USB/IP server listens: `--listen HOST:PORT` (IPv4 or a name, `[v6]:PORT`; port 0
/// lets the kernel pick one) or `--listen unix:PATH`.
public enum ListenAddress: Hashable, Sendable, CustomStringConvertible {
    case tcp(host: String, port: UInt16)
    case unix(path: String)

    /// The address used when no `--listen` is given: 127.0.0.1:3240, the USB/IP port.
    public static let `default` = ListenAddress.tcp(host: "127.0.0.1", port: 3240)

    /// Parses `HOST:PORT`, `[V6]:PORT` or `unix:PATH`.
    public init(parsing text: String) throws(EmulatorError) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { throw .badAddress(text, reason: "unix: needs a path") }
            guard path.utf8.count < 108 else { throw .badAddress(text, reason: "a unix socket path has at most 107 bytes") }
            self = .unix(path: path)
            return
        }
        let (host, portText) = try ListenAddress.split(text)
        guard let port = UInt16(portText) else { throw .badAddress(text, reason: "the port must be 0…65535") }
        self = .tcp(host: host, port: port)
    }

    /// `HOST:PORT` → (HOST, PORT); `[V6]:PORT` → (V6, PORT).
    static func split(_ text: String) throws(EmulatorError) -> (String, String) {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .badAddress(text, reason: "missing ]") }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), !host.isEmpty else { throw .badAddress(text, reason: "expected [ADDRESS]:PORT") }
            return (host, String(rest.dropFirst()))
        }
        guard let colon = text.lastIndex(of: ":") else { throw .badAddress(text, reason: "expected HOST:PORT or unix:PATH") }
        let host = String(text[..<colon])
        guard !host.isEmpty, !host.contains(":") else {
            throw .badAddress(text, reason: "write IPv6 addresses as [ADDRESS]:PORT")
        }
        return (host, String(text[text.index(after: colon)...]))
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): return "unix:\(path)"
        }
    }
}
