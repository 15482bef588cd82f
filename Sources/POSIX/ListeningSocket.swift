#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking listener: TCP on a host and port (IPv4 or IPv6), or a unix socket that is never
/// reachable with a mode wider than 0600. Connections come from ``accept()``.
package struct ListeningSocket: Sendable {
    package let descriptor: SocketDescriptor
    /// The bound address (`HOST:PORT`, `[V6]:PORT`), with the port the kernel chose; empty for unix.
    package let boundAddress: String
    /// Whether the TCP address is loopback only.
    package let isLoopback: Bool

    /// A TCP listener on the first address of `host:port` (`port` 0: the kernel picks one).
    /// SO_REUSEADDR so that a restart after a crash binds at once; IPv6 sockets are v6-only.
    /// `name` is how a bind error names the address.
    package static func tcp(host: String, port: UInt16, name: String) throws(SystemCallError) -> ListeningSocket {
        let address = try SocketAddress.resolve(host: host, port: port, passive: true,
                                                family: host.contains(":") ? AF_INET6 : AF_UNSPEC)[0]
        let socket = try SocketDescriptor.stream(family: address.family)
        do {
            socket.setOption(SOL_SOCKET, SO_REUSEADDR)
            if address.family == AF_INET6 { socket.setOption(Int32(IPPROTO_IPV6), IPV6_V6ONLY) }
            try socket.bind(to: address, name: name)
            try socket.listen()
            try socket.setNonBlocking()
        } catch {
            socket.close()
            throw error
        }
        let local = SocketAddress.of(socket)
        return ListeningSocket(descriptor: socket, boundAddress: local.hostAndPort, isLoopback: local.isLoopback)
    }

    /// A TCP socket bound (not listening) to 0.0.0.0:`port` (0: any), and the port: a probe that
    /// a port is free. The caller closes it.
    package static func bindProbe(port: UInt16) -> (descriptor: SocketDescriptor, port: UInt16)? {
        guard let socket = try? SocketDescriptor.stream(family: AF_INET) else { return nil }
        do {
            try socket.bind(to: .ipv4(port: port), name: "0.0.0.0:\(port)")
        } catch {
            socket.close()
            return nil
        }
        return (socket, SocketAddress.of(socket).port)
    }

    /// A TCP port `P` such that `P` and `P + 1` are both free on all interfaces now (one vpcd
    /// reader entry listens on both). The kernel picks `P`; the check binds both, then releases them.
    package static func freePortPair() -> UInt16? {
        for _ in 0..<50 {
            guard let first = bindProbe(port: 0) else { continue }
            defer { first.descriptor.close() }
            guard first.port < UInt16.max, let second = bindProbe(port: first.port + 1) else { continue }
            second.descriptor.close()
            return first.port
        }
        return nil
    }

    /// A unix-socket listener at `path`, mode 0600. A stale socket there (nobody accepts on it)
    /// is removed; a live one, or a file that is not a socket, is an error (``StaleSocket``).
    /// The socket is bound in a private directory, made 0600, then renamed into place, so it is
    /// never reachable with a wider mode.
    package static func unix(path: String) throws(UnixListenError) -> ListeningSocket {
        try removeStaleSocket(path)
        let parent = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        var template = Array(((parent.isEmpty ? "/" : parent) + "/.ukey-bind-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw .system(SystemCallError("mkdtemp(\(parent))")) }
        let privateDirectory = String(cString: made)
        let temporary = privateDirectory + "/s"
        defer {
            unlink(temporary)
            rmdir(privateDirectory)
        }
        let socket: SocketDescriptor
        do {
            socket = try SocketDescriptor.stream(family: AF_UNIX)
        } catch {
            throw .system(error)
        }
        do throws(SystemCallError) {
            let address = try SocketAddress.unix(temporary)
            guard address.withSockaddr({ Glibc.bind(socket.rawValue, $0, $1) }) == 0,
                  chmod(temporary, 0o600) == 0, Glibc.listen(socket.rawValue, 64) == 0 else {
                throw SystemCallError("bind(unix:\(path))")
            }
            guard rename(temporary, path) == 0 else { throw SystemCallError("rename(\(path))") }
        } catch {
            socket.close()
            throw .system(error)
        }
        do {
            try socket.setNonBlocking()
        } catch {
            socket.close()
            unlink(path)
            throw .system(error)
        }
        return ListeningSocket(descriptor: socket, boundAddress: "", isLoopback: true)
    }

    /// Why a unix listener could not be made.
    package enum UnixListenError: Error {
        /// The path exists and is not a socket, or another process listens on it.
        case inUse(reason: String)
        case system(SystemCallError)
    }

    /// Removes `path` if it is a socket nobody listens on.
    package static func removeStaleSocket(_ path: String) throws(UnixListenError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else { throw .inUse(reason: "the path exists and is not a socket") }
        if ConnectedSocket.answers(unixPath: path) { throw .inUse(reason: "another process is listening on it") }
        unlink(path)
    }

    /// Accepts one waiting connection (non-blocking, close-on-exec), or `nil` when none is waiting.
    package func accept() -> SocketDescriptor? { descriptor.acceptNonBlocking() }

    package func close() { descriptor.close() }
}
