import POSIX

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

/// Opening the listeners, with the POSIX layer's errors said as the emulator's.
extension ListenAddress {
    /// A TCP listener on `host:port`, its bound address (with the real port) and whether it is
    /// loopback only.
    static func listenTCP(host: String, port: UInt16) throws(EmulatorError) -> ListeningSocket {
        do {
            return try ListeningSocket.tcp(host: host, port: port, name: ListenAddress.tcp(host: host, port: port).description)
        } catch {
            if case .addressInfo = error.code { throw .badAddress("\(host):\(port)", reason: error.reason) }
            throw EmulatorError(error)
        }
    }

    /// A unix-socket listener at `path`, mode 0600 (``ListeningSocket/unix(path:)``).
    static func listenUnix(path: String) throws(EmulatorError) -> ListeningSocket {
        do {
            return try ListeningSocket.unix(path: path)
        } catch {
            switch error {
            case .inUse(let reason): throw .badAddress("unix:\(path)", reason: reason)
            case .system(let failure): throw EmulatorError(failure)
            }
        }
    }
}

extension EmulatorError {
    /// A failed system call, with its name and errno.
    init(_ failure: SystemCallError) {
        self = .system(operation: failure.operation, errno: failure.errno)
    }
}
