import POSIX
#if canImport(Glibc)
import Glibc
#endif

/// The driver's connection to a USB/IP server (TCP with TCP_NODELAY, or unix), over the POSIX
/// layer: blocking reads for the receive thread, writes with a send timeout, and `shutdown` to
/// wake a blocked reader. Failures are ``DriverError/noSuchDevice(_:)`` naming the call.
struct USBIPClientSocket: Sendable {
    let connection: ConnectedSocket

    /// Connects within `timeout` milliseconds (a unix socket connects at once or fails).
    static func connect(_ address: DeviceName.USBIPAddress, timeout: Int) throws(DriverError) -> USBIPClientSocket {
        let connection: ConnectedSocket
        switch address {
        case .unix(let path):
            do {
                connection = try ConnectedSocket.connect(unixPath: path)
            } catch {
                if error.errno == ENAMETOOLONG { throw .noSuchDevice("unix socket path too long") }
                throw .noSuchDevice("connect \(path): \(error.reason)")
            }
        case .tcp(let host, let port):
            do {
                connection = try ConnectedSocket.connect(host: host, port: port, milliseconds: Int32(clamping: timeout))
            } catch {
                if case .addressInfo = error.code { throw .noSuchDevice("cannot resolve \(host): \(error.reason)") }
                throw .noSuchDevice("connect \(host):\(port): \(error.reason)")
            }
        }
        // A send timeout, so that a peer that stops reading cannot block pcscd forever.
        connection.descriptor.setSendTimeout(seconds: 5)
        return USBIPClientSocket(connection: connection)
    }

    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8]) throws(DriverError) {
        do {
            try connection.sendAll(bytes)
        } catch {
            throw .noSuchDevice("send: \(error.reason)")
        }
    }

    /// Reads what is there (blocking until something is, or `timeout` ms pass if given):
    /// empty at end of stream, `nil` on timeout.
    func read(maxLength: Int = 65_536, timeout: Int? = nil) throws(DriverError) -> [UInt8]? {
        if let timeout, !connection.waitReadable(milliseconds: Int32(clamping: timeout)) { return nil }
        do {
            return try connection.receive(maxLength: maxLength)
        } catch {
            throw .noSuchDevice("recv: \(error.reason)")
        }
    }

    /// Wakes a thread blocked in `read` (it then sees end of stream).
    func shutdown() { connection.shutdown() }

    func close() { connection.close() }
}
