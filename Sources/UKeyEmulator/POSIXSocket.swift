#if canImport(Glibc)
import Glibc
#endif

/// The socket system calls of the emulator, in one place: listeners (TCP over IPv4/IPv6 and
/// unix sockets), accept, non-blocking reads and writes, and the peer's credentials.
/// Each failure carries the C call's name and `errno`.
enum POSIXSocket {
    /// What a non-blocking read gave.
    enum ReadResult {
        case data(Int)
        case wouldBlock
        case closed
        case failed(Int32)
    }

    /// Makes `fd` non-blocking and close-on-exec. The corresponding C call is `fcntl`.
    static func setNonBlocking(_ fd: Int32) throws(EmulatorError) {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else { throw .system(operation: "fcntl(O_NONBLOCK)", errno: errno) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32 = 1) {
        var value = value
        _ = setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// A TCP listener on `host:port`; returns the descriptor and the bound address (with the real
    /// port). SO_REUSEADDR so that a restart after a crash binds at once; IPv6 sockets are v6-only.
    static func listenTCP(host: String, port: UInt16) throws(EmulatorError) -> (fd: Int32, address: String, loopback: Bool) {
        var hints = addrinfo()
        hints.ai_family = host.contains(":") ? AF_INET6 : AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>? = nil
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let info = result else {
            throw .badAddress("\(host):\(port)", reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(result) }
        let family = info.pointee.ai_family
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(operation: "socket", errno: errno) }
        setOption(fd, SOL_SOCKET, SO_REUSEADDR)
        if family == AF_INET6 { setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY) }
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let code = errno
            close(fd)
            throw .system(operation: "bind(\(ListenAddress.tcp(host: host, port: port)))", errno: code)
        }
        guard listen(fd, 64) == 0 else {
            let code = errno
            close(fd)
            throw .system(operation: "listen", errno: code)
        }
        do {
            try setNonBlocking(fd)
        } catch {
            close(fd)
            throw error
        }
        let (text, loopback) = localAddress(fd)
        return (fd, text, loopback)
    }

    /// The bound address of `fd` as `HOST:PORT` / `[V6]:PORT`, and whether it is loopback only.
    static func localAddress(_ fd: Int32) -> (String, Bool) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        if Int32(storage.ss_family) == AF_INET6 {
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    var raw = address.pointee.sin6_addr
                    inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count))
                    let text = POSIXSocket.string(buffer)
                    return ("[\(text)]:\(UInt16(bigEndian: address.pointee.sin6_port))", text == "::1")
                }
            }
        }
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                var raw = address.pointee.sin_addr
                inet_ntop(AF_INET, &raw, &buffer, socklen_t(buffer.count))
                let loopback = UInt32(bigEndian: raw.s_addr) >> 24 == 127
                return ("\(POSIXSocket.string(buffer)):\(UInt16(bigEndian: address.pointee.sin_port))", loopback)
            }
        }
    }

    /// The text before the NUL of a C string buffer.
    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Fills a `sockaddr_un` for `path` (at most 107 bytes).
    static func unixAddress(_ path: String) -> (sockaddr_un, socklen_t) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8.prefix(107))
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
            raw[bytes.count] = 0
        }
        return (address, socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1))
    }

    /// A unix-socket listener at `path`, mode 0600. A stale socket there (nobody accepts on it)
    /// is removed; a live one, or a file that is not a socket, is an error. The socket is bound in
    /// a private directory, made 0600, then renamed into place, so it is never reachable with a
    /// wider mode.
    static func listenUnix(path: String) throws(EmulatorError) -> Int32 {
        try removeStaleSocket(path)
        let parent = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        var template = Array(((parent.isEmpty ? "/" : parent) + "/.ukey-bind-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw .system(operation: "mkdtemp(\(parent))", errno: errno) }
        let privateDirectory = String(cString: made)
        let temporary = privateDirectory + "/s"
        defer {
            unlink(temporary)
            rmdir(privateDirectory)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(operation: "socket(AF_UNIX)", errno: errno) }
        var (address, length) = unixAddress(temporary)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, chmod(temporary, 0o600) == 0, listen(fd, 64) == 0 else {
            let code = errno
            close(fd)
            throw .system(operation: "bind(unix:\(path))", errno: code)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            close(fd)
            throw .system(operation: "rename(\(path))", errno: code)
        }
        do {
            try setNonBlocking(fd)
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
        return fd
    }

    /// Removes `path` if it is a socket nobody listens on.
    static func removeStaleSocket(_ path: String) throws(EmulatorError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw .badAddress("unix:\(path)", reason: "the path exists and is not a socket")
        }
        if let fd = try? connectUnix(path) {
            close(fd)
            throw .badAddress("unix:\(path)", reason: "another process is listening on it")
        }
        unlink(path)
    }

    /// A blocking connection to the unix socket at `path`.
    static func connectUnix(_ path: String) throws(EmulatorError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(operation: "socket(AF_UNIX)", errno: errno) }
        var (address, length) = unixAddress(path)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw .system(operation: "connect(\(path))", errno: code)
        }
        return fd
    }

    /// Accepts one connection (non-blocking, close-on-exec), or `nil` when none is waiting.
    static func accept(_ listener: Int32) -> Int32? {
        while true {
            let fd = Glibc.accept(listener, nil, nil)
            if fd >= 0 {
                do {
                    try setNonBlocking(fd)
                } catch {
                    close(fd)
                    continue
                }
                return fd
            }
            if errno == EINTR || errno == ECONNABORTED { continue }
            return nil
        }
    }

    /// Reads into `buffer`.
    static func read(_ fd: Int32, into buffer: inout [UInt8]) -> ReadResult {
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { return .data(count) }
            if count == 0 { return .closed }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return .wouldBlock }
            return .failed(errno)
        }
    }

    /// Writes what it can of `bytes[from...]`; returns the count written, 0 if the socket is full,
    /// `nil` on error. MSG_NOSIGNAL: a closed peer is an error, never SIGPIPE.
    static func write(_ fd: Int32, _ bytes: [UInt8], from start: Int) -> Int? {
        while true {
            let count = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + start, raw.count - start, Int32(MSG_NOSIGNAL))
            }
            if count >= 0 { return count }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return 0 }
            return nil
        }
    }

    /// The uid of the process at the other end of a unix socket. The corresponding C call is
    /// `getsockopt(SO_PEERCRED)`.
    static func peerUID(_ fd: Int32) -> uid_t? {
        var credentials = PeerCredentials()
        var length = socklen_t(MemoryLayout<PeerCredentials>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED_LINUX, &credentials, &length) == 0,
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
}
