#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The TCP connection from the card to vpcd: the one place where the link makes socket calls.
///
/// The socket is blocking; every wait goes through `poll` together with the link's
/// ``VPCDWakeup`` so that a stop request interrupts it. `TCP_NODELAY` is set once and
/// `TCP_QUICKACK` re-armed before every read: stock vpcd writes the length and the APDU in two
/// writes without `TCP_NODELAY`, so without both each APDU waits ~44 ms (Nagle + delayed ACK).
final class VPCDSocket {
    let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
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
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = socketType
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let status = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list)
        guard status == 0 else {
            throw .unresolvable(host: endpoint.host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var lastError = VPCDLinkError.unresolvable(host: endpoint.host, reason: "no address")
        var entry = list
        while let address = entry?.pointee {
            entry = address.ai_next
            let fd = socket(address.ai_family, socketType, address.ai_protocol)
            guard fd >= 0 else {
                lastError = .system(function: "socket", errno: errno)
                continue
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            let connection = VPCDSocket(descriptor: fd)
            do {
                guard try connection.connect(address.ai_addr, address.ai_addrlen, wake: wake) else { return nil }
                try connection.configure()
                return connection
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    /// A non-blocking `connect` waited for with `poll`, then back to blocking mode.
    private func connect(_ address: UnsafeMutablePointer<sockaddr>, _ length: socklen_t,
                         wake: VPCDWakeup) throws(VPCDLinkError) -> Bool {
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        if Glibc.connect(descriptor, address, length) != 0 {
            guard errno == EINPROGRESS || errno == EINTR else { throw .system(function: "connect", errno: errno) }
            switch VPCDSocket.wait(for: descriptor, events: Int16(POLLOUT), wake: wake, milliseconds: -1) {
            case .woken: return false
            case .ready, .timedOut: break
            }
            var failure: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &size) == 0 else {
                throw .system(function: "getsockopt(SO_ERROR)", errno: errno)
            }
            guard failure == 0 else { throw .system(function: "connect", errno: failure) }
        }
        _ = fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK)
        return true
    }

    private func configure() throws(VPCDLinkError) {
        guard setOption(Int32(IPPROTO_TCP), TCP_NODELAY) else { throw .system(function: "setsockopt(TCP_NODELAY)", errno: errno) }
        _ = setOption(SOL_SOCKET, SO_KEEPALIVE)
    }

    /// Waits until the socket is readable (data or end of stream) or `wake` is signalled.
    func waitReadable(wake: VPCDWakeup) -> Readiness {
        VPCDSocket.wait(for: descriptor, events: Int16(POLLIN), wake: wake, milliseconds: -1)
    }

    /// One `read` into `buffer` after re-arming `TCP_QUICKACK`; 0 is the end of the stream.
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(VPCDLinkError) -> Int {
        _ = setOption(Int32(IPPROTO_TCP), VPCDSocket.quickAck)
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            guard errno == EINTR else { throw .system(function: "read", errno: errno) }
        }
    }

    /// Writes all of `bytes` (one `send` in the usual case); no `SIGPIPE` when vpcd is gone.
    func send(_ bytes: [UInt8]) throws(VPCDLinkError) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                guard errno == EINTR else { throw .system(function: "send", errno: errno) }
                continue
            }
            offset += count
        }
    }

    /// Ends both directions, waking a thread blocked in `read` or `send` on this socket.
    func shutdownBoth() {
        _ = shutdown(descriptor, Int32(SHUT_RDWR))
    }

    /// `poll` on `descriptor` and the wake pipe; `milliseconds` -1 waits without limit.
    static func wait(for descriptor: Int32?, events: Int16, wake: VPCDWakeup, milliseconds: Int32) -> Readiness {
        var fds = [pollfd(fd: wake.readDescriptor, events: Int16(POLLIN), revents: 0)]
        if let descriptor { fds.append(pollfd(fd: descriptor, events: events, revents: 0)) }
        while true {
            let result = poll(&fds, nfds_t(fds.count), milliseconds)
            if result < 0 && errno == EINTR { continue }
            if result == 0 { return .timedOut }
            if fds[0].revents != 0 { return .woken }
            return .ready
        }
    }

    /// `strerror` as a Swift string.
    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    private func setOption(_ level: Int32, _ name: Int32) -> Bool {
        var on: Int32 = 1
        return setsockopt(descriptor, level, name, &on, socklen_t(MemoryLayout<Int32>.size)) == 0
    }

    private static var socketType: Int32 {
        #if canImport(Glibc)
        Int32(SOCK_STREAM.rawValue)
        #else
        SOCK_STREAM
        #endif
    }

    /// `TCP_QUICKACK` from `<netinet/tcp.h>` (Linux only; 0 elsewhere makes the call fail harmlessly).
    private static var quickAck: Int32 {
        #if os(Linux)
        12
        #else
        0
        #endif
    }
}
