import POSIX
/// What can go wrong between the card and vpcd. The link itself never stops on these: it
/// reports them through its trace and tries again.
public enum VPCDLinkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A `--vpcd` value that is not `HOST:PORT`.
    case invalidEndpoint(String)
    /// The host name did not resolve (`getaddrinfo` error text).
    case unresolvable(host: String, reason: String)
    /// A socket call failed; `function` is the C function, `errno` its error.
    case system(function: String, errno: Int32)
    /// vpcd closed the connection.
    case closedByPeer
    /// vpcd sent a malformed frame.
    case malformed(VPCDFrameError)

    public var description: String {
        switch self {
        case .invalidEndpoint(let text): return "not a vpcd address (HOST:PORT): \(text)"
        case .unresolvable(let host, let reason): return "cannot resolve \(host): \(reason)"
        case .system(let function, let code): return "\(function) failed: \(errnoText(code)) (errno \(code))"
        case .closedByPeer: return "vpcd closed the connection"
        case .malformed(let error): return "malformed frame from vpcd: \(error)"
        }
    }
}
