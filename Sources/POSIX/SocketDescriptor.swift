#if canImport(Glibc)
import Glibc
#endif

/// A socket's file descriptor and the system calls made on it, each retried on EINTR where that
/// is safe, each failure a ``SystemCallError`` naming the call. The role types
/// (``ConnectedSocket``, ``ListeningSocket``) and the emulator's non-blocking connections are
/// built on it. The descriptor is not closed for you: call ``close()``.
package struct SocketDescriptor: RawRepresentable, Hashable, Sendable {
    package var rawValue: Int32

    package init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// A close-on-exec stream socket of `family` (AF_UNIX, AF_INET, AF_INET6).
    package static func stream(family: Int32) throws(SystemCallError) -> SocketDescriptor {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemCallError(family == AF_UNIX ? "socket(AF_UNIX)" : "socket") }
        return SocketDescriptor(rawValue: fd)
    }

    package func close() {
        _ = Glibc.close(rawValue)
    }

    /// Ends both directions, waking a thread blocked in a read or write on this socket.
    package func shutdown() {
        _ = Glibc.shutdown(rawValue, Int32(SHUT_RDWR))
    }

    // MARK: Options

    /// `setsockopt` with an `Int32` value; returns whether it succeeded.
    @discardableResult
    package func setOption(_ level: Int32, _ name: Int32, _ value: Int32 = 1) -> Bool {
        var value = value
        return setsockopt(rawValue, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0
    }

    /// TCP_NODELAY: small writes leave at once (no Nagle).
    @discardableResult
    package func setNoDelay() -> Bool { setOption(Int32(IPPROTO_TCP), TCP_NODELAY) }

    /// TCP_QUICKACK (Linux, `<netinet/tcp.h>`): the next ACK leaves at once. The kernel clears it
    /// again, so callers re-arm it before each read.
    @discardableResult
    package func armQuickAck() -> Bool { setOption(Int32(IPPROTO_TCP), 12) }

    /// SO_SNDTIMEO: a write blocks at most `seconds`.
    package func setSendTimeout(seconds: Int) {
        var time = timeval(tv_sec: seconds, tv_usec: 0)
        _ = setsockopt(rawValue, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    }

    /// O_NONBLOCK on or off, and FD_CLOEXEC. The corresponding C call is `fcntl`.
    package func setNonBlocking(_ on: Bool = true) throws(SystemCallError) {
        let flags = fcntl(rawValue, F_GETFL)
        guard flags >= 0, fcntl(rawValue, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK) == 0 else {
            throw SystemCallError("fcntl(O_NONBLOCK)")
        }
        _ = fcntl(rawValue, F_SETFD, FD_CLOEXEC)
    }

    /// The uid of the process at the other end of a unix socket. The corresponding C call is
    /// `getsockopt(SO_PEERCRED)`.
    package func peerUID() -> uid_t? {
        var credentials = PeerCredentials()
        var length = socklen_t(MemoryLayout<PeerCredentials>.size)
        guard getsockopt(rawValue, SOL_SOCKET, SocketDescriptor.SO_PEERCRED_LINUX, &credentials, &length) == 0,
              length == socklen_t(MemoryLayout<PeerCredentials>.size) else { return nil }
        return credentials.uid
    }

    /// Linux's `struct ucred` (glibc shows it only with _GNU_SOURCE): pid, uid, gid.
    private struct PeerCredentials {
        var pid: pid_t = 0
        var uid: uid_t = 0
        var gid: gid_t = 0
    }

    /// SO_PEERCRED (asm-generic/socket.h).
    private static let SO_PEERCRED_LINUX: Int32 = 17

    // MARK: Connecting, binding, accepting

    /// A blocking `connect`; `name` is how the error names the peer.
    package func connect(to address: SocketAddress, name: String) throws(SystemCallError) {
        let result = address.withSockaddr { Glibc.connect(rawValue, $0, $1) }
        guard result == 0 else { throw SystemCallError("connect(\(name))") }
    }

    /// Starts a non-blocking `connect` (the socket must be non-blocking): true when it is done
    /// already, false when it is in progress (wait for POLLOUT, then ``finishConnect(name:)``).
    package func beginConnect(to address: SocketAddress, name: String) throws(SystemCallError) -> Bool {
        if address.withSockaddr({ Glibc.connect(rawValue, $0, $1) }) == 0 { return true }
        guard errno == EINPROGRESS || errno == EINTR else { throw SystemCallError("connect(\(name))") }
        return false
    }

    /// The outcome of a non-blocking `connect` once the socket is writable (SO_ERROR).
    package func finishConnect(name: String) throws(SystemCallError) {
        var failure: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(rawValue, SOL_SOCKET, SO_ERROR, &failure, &size) == 0 else { throw SystemCallError("getsockopt(SO_ERROR)") }
        guard failure == 0 else { throw SystemCallError("connect(\(name))", errno: failure) }
    }

    /// `connect` that gives up after `milliseconds` (ETIMEDOUT); the socket stays blocking.
    package func connect(to address: SocketAddress, name: String, milliseconds: Int32) throws(SystemCallError) {
        try setNonBlocking(true)
        defer { try? setNonBlocking(false) }
        guard try !beginConnect(to: address, name: name) else { return }
        guard waitWritable(milliseconds: milliseconds) else { throw SystemCallError("connect(\(name))", errno: ETIMEDOUT) }
        try finishConnect(name: name)
    }

    package func bind(to address: SocketAddress, name: String) throws(SystemCallError) {
        guard address.withSockaddr({ Glibc.bind(rawValue, $0, $1) }) == 0 else { throw SystemCallError("bind(\(name))") }
    }

    package func listen(backlog: Int32 = 64) throws(SystemCallError) {
        guard Glibc.listen(rawValue, backlog) == 0 else { throw SystemCallError("listen") }
    }

    /// Accepts one waiting connection (made non-blocking and close-on-exec), or `nil` when none is
    /// waiting (or the listener failed). Connections aborted before the accept are skipped.
    package func acceptNonBlocking() -> SocketDescriptor? {
        while true {
            let fd = retryingEINTR { Glibc.accept(rawValue, nil, nil) }
            if fd >= 0 {
                let connection = SocketDescriptor(rawValue: fd)
                do {
                    try connection.setNonBlocking()
                } catch {
                    connection.close()
                    continue
                }
                return connection
            }
            if errno == ECONNABORTED { continue }
            return nil
        }
    }

    // MARK: Waiting

    /// Whether the socket became readable within `milliseconds` (-1: no limit).
    package func waitReadable(milliseconds: Int32) -> Bool { wait(Int16(POLLIN), milliseconds: milliseconds) }

    /// Whether the socket became writable within `milliseconds` (-1: no limit).
    package func waitWritable(milliseconds: Int32) -> Bool { wait(Int16(POLLOUT), milliseconds: milliseconds) }

    private func wait(_ events: Int16, milliseconds: Int32) -> Bool {
        var descriptors = [pollfd(fd: rawValue, events: events, revents: 0)]
        return pollRetrying(&descriptors, milliseconds: milliseconds) > 0
    }

    // MARK: Reading and writing

    /// Writes all of `bytes`, blocking as needed. MSG_NOSIGNAL: a closed peer is an error, never
    /// SIGPIPE.
    package func sendAll(_ bytes: [UInt8]) throws(SystemCallError) {
        var offset = 0
        while offset < bytes.count {
            guard let count = send(bytes, from: offset) else { throw SystemCallError("send") }
            offset += count
        }
    }

    /// One `send` of `bytes[start...]` (MSG_NOSIGNAL): the count written, 0 when a non-blocking
    /// socket is full, `nil` on error (with `errno` set).
    package func send(_ bytes: [UInt8], from start: Int) -> Int? {
        let count = bytes.withUnsafeBytes { raw in
            retryingEINTR { Glibc.send(rawValue, raw.baseAddress! + start, raw.count - start, Int32(MSG_NOSIGNAL)) }
        }
        if count >= 0 { return count }
        if errno == EAGAIN || errno == EWOULDBLOCK { return 0 }
        return nil
    }

    /// One blocking `recv` into `buffer`: the count read, 0 at the end of the stream.
    package func receive(into buffer: UnsafeMutableRawBufferPointer) throws(SystemCallError) -> Int {
        let count = retryingEINTR { recv(rawValue, buffer.baseAddress, buffer.count, 0) }
        guard count >= 0 else { throw SystemCallError("recv") }
        return count
    }

    /// One blocking `recv` of at most `maxLength` bytes; empty at the end of the stream.
    package func receive(maxLength: Int) throws(SystemCallError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maxLength)
        let count = buffer.withUnsafeMutableBytes { raw in retryingEINTR { recv(rawValue, raw.baseAddress, raw.count, 0) } }
        guard count >= 0 else { throw SystemCallError("recv") }
        return Array(buffer[..<count])
    }

    /// What a non-blocking read gave.
    package enum ReadResult: Equatable {
        case data(Int)
        case wouldBlock
        case closed
        case failed(Int32)
    }

    /// One non-blocking `recv` into `buffer`.
    package func receiveAvailable(into buffer: inout [UInt8]) -> ReadResult {
        let count = buffer.withUnsafeMutableBytes { raw in retryingEINTR { recv(rawValue, raw.baseAddress, raw.count, 0) } }
        if count > 0 { return .data(count) }
        if count == 0 { return .closed }
        if errno == EAGAIN || errno == EWOULDBLOCK { return .wouldBlock }
        return .failed(errno)
    }
}
