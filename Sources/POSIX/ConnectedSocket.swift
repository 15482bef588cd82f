#if canImport(Glibc)
import Glibc
#endif

/// A blocking stream connection made by a client: to a unix socket, or to a TCP host and port
/// tried address by address (what the driver, the bench, the control client and the test clients
/// open). The caller closes it.
package struct ConnectedSocket: Sendable {
    package let descriptor: SocketDescriptor

    package init(descriptor: SocketDescriptor) {
        self.descriptor = descriptor
    }

    /// Connects to the unix socket at `path`; `milliseconds` bounds the wait (nil: blocking).
    package static func connect(unixPath path: String, milliseconds: Int32? = nil) throws(SystemCallError) -> ConnectedSocket {
        let address = try SocketAddress.unix(path)
        let socket = try SocketDescriptor.stream(family: AF_UNIX)
        do {
            if let milliseconds {
                try socket.connect(to: address, name: path, milliseconds: milliseconds)
            } else {
                try socket.connect(to: address, name: path)
            }
        } catch {
            socket.close()
            throw error
        }
        return ConnectedSocket(descriptor: socket)
    }

    /// Connects to `host:port`, trying each address `getaddrinfo` gives, each within
    /// `milliseconds`; TCP_NODELAY is set. The error is the last address's.
    package static func connect(host: String, port: UInt16, milliseconds: Int32) throws(SystemCallError) -> ConnectedSocket {
        var lastError = SystemCallError("connect(\(host):\(port))", errno: EADDRNOTAVAIL)
        for address in try SocketAddress.resolve(host: host, port: port) {
            do throws(SystemCallError) {
                let socket = try SocketDescriptor.stream(family: address.family)
                do {
                    try socket.connect(to: address, name: "\(host):\(port)", milliseconds: milliseconds)
                } catch {
                    socket.close()
                    throw error
                }
                socket.setNoDelay()
                return ConnectedSocket(descriptor: socket)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    /// Whether something accepts connections on the unix socket at `path`.
    package static func answers(unixPath path: String) -> Bool {
        guard let socket = try? connect(unixPath: path) else { return false }
        socket.close()
        return true
    }

    package func sendAll(_ bytes: [UInt8]) throws(SystemCallError) { try descriptor.sendAll(bytes) }

    /// What is there, blocking until something is: empty at the end of the stream.
    package func receive(maxLength: Int = 65_536) throws(SystemCallError) -> [UInt8] {
        try descriptor.receive(maxLength: maxLength)
    }

    /// Whether data (or the end of the stream) arrived within `milliseconds`.
    package func waitReadable(milliseconds: Int32) -> Bool { descriptor.waitReadable(milliseconds: milliseconds) }

    package func shutdown() { descriptor.shutdown() }

    package func close() { descriptor.close() }
}
