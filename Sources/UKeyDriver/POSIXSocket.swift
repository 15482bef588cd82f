#if canImport(Glibc)
import Glibc
#endif

/// The driver's one place for socket syscalls: a connected stream socket (TCP with
/// TCP_NODELAY, or unix), blocking reads for the receive thread, writes with a send timeout,
/// and `shutdown` to wake a blocked reader.
struct POSIXSocket: Sendable {
    let fd: Int32

    /// Connects within `timeout` milliseconds.
    static func connect(_ address: DeviceName.USBIPAddress, timeout: Int) throws(DriverError) -> POSIXSocket {
        switch address {
        case .unix(let path):
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw .noSuchDevice("socket: \(errnoText())") }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
                Glibc.close(fd)
                throw .noSuchDevice("unix socket path too long")
            }
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                for (index, byte) in bytes.enumerated() { raw[index] = byte }
            }
            let result = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard result == 0 else {
                let text = errnoText()
                Glibc.close(fd)
                throw .noSuchDevice("connect \(path): \(text)")
            }
            return POSIXSocket(fd: fd).configured()
        case .tcp(let host, let port):
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, String(port), &hints, &list)
            guard status == 0, let first = list else {
                throw .noSuchDevice("cannot resolve \(host): " + String(cString: gai_strerror(status)))
            }
            defer { freeaddrinfo(list) }
            var lastError = "no address"
            var entry: UnsafeMutablePointer<addrinfo>? = first
            while let info = entry {
                entry = info.pointee.ai_next
                let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
                guard fd >= 0 else { lastError = errnoText(); continue }
                if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen, timeout: timeout) {
                    var one: Int32 = 1
                    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                    return POSIXSocket(fd: fd).configured()
                }
                lastError = errnoText()
                Glibc.close(fd)
            }
            throw .noSuchDevice("connect \(host):\(port): \(lastError)")
        }
    }

    /// Non-blocking connect, waited for with poll.
    private static func connect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t,
                                timeout: Int) -> Bool {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(fd, F_SETFL, flags) }
        if Glibc.connect(fd, address, length) == 0 { return true }
        guard errno == EINPROGRESS else { return false }
        var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&descriptor, 1, Int32(timeout)) == 1 else { errno = ETIMEDOUT; return false }
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
        errno = error
        return error == 0
    }

    /// A send timeout, so that a peer that stops reading cannot block pcscd forever.
    private func configured() -> POSIXSocket {
        var time = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        return self
    }

    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8]) throws(DriverError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw .noSuchDevice("send: \(errnoText())")
            }
            offset += written
        }
    }

    /// Reads what is there (blocking until something is, or `timeout` ms pass if given):
    /// empty at end of stream, `nil` on timeout.
    func read(maxLength: Int = 65_536, timeout: Int? = nil) throws(DriverError) -> [UInt8]? {
        if let timeout {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(timeout))
            if ready == 0 { return nil }
            if ready < 0 && errno != EINTR { throw .noSuchDevice("poll: \(errnoText())") }
        }
        var buffer = [UInt8](repeating: 0, count: maxLength)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return Array(buffer[0..<count]) }
            if errno == EINTR { continue }
            throw .noSuchDevice("recv: \(errnoText())")
        }
    }

    /// Wakes a thread blocked in `read` (it then sees end of stream).
    func shutdown() { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }

    func close() { _ = Glibc.close(fd) }
}

func errnoText() -> String { String(cString: strerror(errno)) }
