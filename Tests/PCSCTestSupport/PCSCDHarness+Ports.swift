import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension PCSCDHarness {
    /// A TCP port `P` such that `P` and `P + 1` are both free on all interfaces now (one vpcd
    /// entry listens on both). The kernel picks `P`; the check binds both, then releases them.
    public static func freePortPair() throws -> UInt16 {
        for _ in 0..<50 {
            guard let first = bindProbe(port: 0) else { continue }
            defer { close(first.descriptor) }
            guard first.port < UInt16.max, let second = bindProbe(port: first.port + 1) else { continue }
            close(second.descriptor)
            return first.port
        }
        throw PCSCDHarnessError("no free pair of TCP ports found")
    }

    /// Binds a TCP socket to 0.0.0.0:`port` (0: any); its descriptor and port, or `nil`.
    public static func bindProbe(port: UInt16) -> (descriptor: Int32, port: UInt16)? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = INADDR_ANY
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0 else {
            close(fd)
            return nil
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }
}
