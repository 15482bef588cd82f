#if canImport(Glibc)
import Glibc
#endif

/// A socket address of any family (`sockaddr_un`, `sockaddr_in`, `sockaddr_in6`) with its length,
/// built with every length checked.
package struct SocketAddress {
    package var storage = sockaddr_storage()
    package var length: socklen_t = 0

    package var family: Int32 { Int32(storage.ss_family) }

    /// The longest unix socket path: `sun_path` holds 108 bytes including the NUL.
    package static let maximumUnixPathLength = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// A unix-domain address; a path longer than ``maximumUnixPathLength`` bytes is refused
    /// (ENAMETOOLONG) rather than cut.
    package static func unix(_ path: String) throws(SystemCallError) -> SocketAddress {
        let bytes = Array(path.utf8)
        guard bytes.count <= maximumUnixPathLength else { throw SystemCallError("unix socket \(path)", errno: ENAMETOOLONG) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return SocketAddress(address, length: socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1))
    }

    /// An IPv4 address: `0.0.0.0:port`, or `127.0.0.1:port` with `loopback`.
    package static func ipv4(port: UInt16, loopback: Bool = false) -> SocketAddress {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = loopback ? UInt32(0x7F00_0001).bigEndian : INADDR_ANY
        return SocketAddress(address, length: socklen_t(MemoryLayout<sockaddr_in>.size))
    }

    /// An IPv6 address `[::1]:port` or `[::]:port`.
    package static func ipv6(port: UInt16, loopback: Bool = false) -> SocketAddress {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = port.bigEndian
        if loopback { withUnsafeMutableBytes(of: &address.sin6_addr) { $0[15] = 1 } }
        return SocketAddress(address, length: socklen_t(MemoryLayout<sockaddr_in6>.size))
    }

    /// Every stream address `getaddrinfo` gives for `host` and `port`, in its order.
    /// `passive` asks for addresses to bind (AI_PASSIVE); `family` narrows the search.
    package static func resolve(host: String, port: UInt16, passive: Bool = false,
                                family: Int32 = AF_UNSPEC) throws(SystemCallError) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = family
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0)
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0 else { throw SystemCallError("getaddrinfo(\(host))", addressInfo: status) }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var entry = list
        while let info = entry?.pointee {
            entry = info.ai_next
            guard let address = info.ai_addr, Int(info.ai_addrlen) <= MemoryLayout<sockaddr_storage>.size else { continue }
            var result = SocketAddress()
            withUnsafeMutableBytes(of: &result.storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(info.ai_addrlen))) }
            result.length = info.ai_addrlen
            addresses.append(result)
        }
        guard !addresses.isEmpty else { throw SystemCallError("getaddrinfo(\(host))", addressInfo: EAI_NONAME) }
        return addresses
    }

    /// The local (`getsockname`) or peer (`getpeername`) address of `socket`.
    package static func of(_ socket: SocketDescriptor, peer: Bool = false) -> SocketAddress {
        var result = SocketAddress()
        result.length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &result.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                peer ? getpeername(socket.rawValue, $0, &result.length) : getsockname(socket.rawValue, $0, &result.length)
            }
        }
        return result
    }

    private init() {}

    private init<Address>(_ address: Address, length: socklen_t) {
        withUnsafeMutableBytes(of: &storage) { storage in
            withUnsafeBytes(of: address) { storage.copyMemory(from: $0) }
        }
        self.length = length
    }

    /// Calls `body` with the address as a `sockaddr` pointer and its length.
    package func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        withUnsafePointer(to: storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    /// The port of an IPv4 or IPv6 address (0 for other families).
    package var port: UInt16 {
        withUnsafePointer(to: storage) { pointer in
            switch family {
            case AF_INET: return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            case AF_INET6: return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            default: return 0
            }
        }
    }

    /// The host part as text (`inet_ntop`): `127.0.0.1`, `::1`; empty for other families.
    package var host: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        withUnsafePointer(to: storage) { pointer in
            switch family {
            case AF_INET:
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    var raw = $0.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &raw, &buffer, socklen_t(buffer.count))
                }
            case AF_INET6:
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    var raw = $0.pointee.sin6_addr
                    _ = inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count))
                }
            default: break
            }
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `HOST:PORT`, or `[V6]:PORT` for IPv6.
    package var hostAndPort: String { family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Whether the address is loopback only (127.0.0.0/8 or ::1).
    package var isLoopback: Bool {
        switch family {
        case AF_INET6: return host == "::1"
        case AF_INET:
            return withUnsafePointer(to: storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) >> 24 == 127 }
            }
        default: return false
        }
    }
}
