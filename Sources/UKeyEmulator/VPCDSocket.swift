import POSIX
#if canImport(Glibc)
import Glibc
#endif

/// The TCP connection from the card to vpcd.
///
/// The socket is blocking; every wait goes through `poll` together with the link's
/// ``VPCDWakeup`` so that a stop request interrupts it. `TCP_NODELAY` is set once and
/// `TCP_QUICKACK` re-armed before every read: stock vpcd writes the length and the APDU in two
/// writes without `TCP_NODELAY`, so without both each APDU waits ~44 ms (Nagle + delayed ACK).
final class VPCDSocket {
    let socket: SocketDescriptor

    /// The descriptor, for `shutdown` from another thread.
    var descriptor: Int32 { socket.rawValue }

    private init(socket: SocketDescriptor) {
        self.socket = socket
    }

    deinit {
        socket.close()
    }

    /// What ended a wait.
    enum Readiness {
        case ready
        case woken
        case timedOut
    }

    /// Connects to `endpoint`, trying each resolved address in turn. Returns `nil` when `wake`
    /// was signalled first.
    static func connect(to endpoint: VPCDEndpoint, wake: VPCDWakeup) throws(VPCDLinkError) -> VPCDSocket? {
        let addresses: [SocketAddress]
        do {
            addresses = try SocketAddress.resolve(host: endpoint.host, port: endpoint.port)
        } catch {
            throw .unresolvable(host: endpoint.host, reason: error.reason)
        }
        var lastError = VPCDLinkError.unresolvable(host: endpoint.host, reason: "no address")
        for address in addresses {
            let socket: SocketDescriptor
            do {
                socket = try SocketDescriptor.stream(family: address.family)
            } catch {
                lastError = .system(function: "socket", errno: error.errno)
                continue
            }
            let connection = VPCDSocket(socket: socket)
            do {
                guard try connection.connect(address, wake: wake) else { return nil }
                try connection.configure()
                return connection
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    /// A non-blocking `connect` waited for with `poll`, then back to blocking mode.
    private func connect(_ address: SocketAddress, wake: VPCDWakeup) throws(VPCDLinkError) -> Bool {
        do {
            try socket.setNonBlocking(true)
            if try !socket.beginConnect(to: address, name: address.hostAndPort) {
                switch VPCDSocket.wait(for: descriptor, events: Int16(POLLOUT), wake: wake, milliseconds: -1) {
                case .woken: return false
                case .ready, .timedOut: break
                }
                try socket.finishConnect(name: address.hostAndPort)
            }
            try socket.setNonBlocking(false)
        } catch {
            throw .system(function: error.operation.hasPrefix("connect") ? "connect" : error.operation, errno: error.errno)
        }
        return true
    }

    private func configure() throws(VPCDLinkError) {
        guard socket.setNoDelay() else { throw .system(function: "setsockopt(TCP_NODELAY)", errno: errno) }
        socket.setOption(SOL_SOCKET, SO_KEEPALIVE)
    }

    /// Waits until the socket is readable (data or end of stream) or `wake` is signalled.
    func waitReadable(wake: VPCDWakeup) -> Readiness {
        VPCDSocket.wait(for: descriptor, events: Int16(POLLIN), wake: wake, milliseconds: -1)
    }

    /// One `read` into `buffer` after re-arming `TCP_QUICKACK`; 0 is the end of the stream.
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(VPCDLinkError) -> Int {
        socket.armQuickAck()
        do {
            return try socket.receive(into: buffer)
        } catch {
            throw .system(function: "read", errno: error.errno)
        }
    }

    /// Writes all of `bytes` (one `send` in the usual case); no `SIGPIPE` when vpcd is gone.
    func send(_ bytes: [UInt8]) throws(VPCDLinkError) {
        do {
            try socket.sendAll(bytes)
        } catch {
            throw .system(function: "send", errno: error.errno)
        }
    }

    /// Ends both directions, waking a thread blocked in `read` or `send` on this socket.
    func shutdownBoth() {
        socket.shutdown()
    }

    /// `poll` on `descriptor` and the wake pipe; `milliseconds` -1 waits without limit.
    static func wait(for descriptor: Int32?, events: Int16, wake: VPCDWakeup, milliseconds: Int32) -> Readiness {
        var fds = [pollfd(fd: wake.readDescriptor, events: Int16(POLLIN), revents: 0)]
        if let descriptor { fds.append(pollfd(fd: descriptor, events: events, revents: 0)) }
        let result = pollRetrying(&fds, milliseconds: milliseconds)
        if result == 0 { return .timedOut }
        if fds[0].revents != 0 { return .woken }
        return .ready
    }
}
