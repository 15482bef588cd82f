/// Where stock vpcd listens for its card: `HOST:PORT` (Debian's reader entry
/// `DEVICENAME /dev/null:0x8C7B` is port 35963 on every interface).
public struct VPCDEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// vsmartcard's default port, 0x8C7B.
    public static let defaultPort: UInt16 = 35963
    /// `127.0.0.1:35963`.
    public static let `default` = VPCDEndpoint()

    public var host: String
    public var port: UInt16

    public init(host: String = "127.0.0.1", port: UInt16 = VPCDEndpoint.defaultPort) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`, `HOST`, `:PORT` or `[IPv6]:PORT` (as given to `--vpcd`); a missing
    /// part takes the default.
    public init(parsing text: String) throws(VPCDLinkError) {
        var host = Substring(text)
        var portText: Substring? = nil
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw .invalidEndpoint(text) }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw .invalidEndpoint(text) }
                portText = rest.dropFirst()
            }
        } else if let colon = host.lastIndex(of: ":") {
            guard host.firstIndex(of: ":") == colon else { throw .invalidEndpoint(text) }
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        var port = VPCDEndpoint.defaultPort
        if let portText {
            guard let value = UInt16(portText), value > 0 else { throw .invalidEndpoint(text) }
            port = value
        }
        self.init(host: host.isEmpty ? "127.0.0.1" : String(host), port: port)
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
