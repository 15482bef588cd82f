import PCSCTestSupport
import Foundation
import POSIX
import UKeyEmulator
#if canImport(Glibc)
import Glibc
#endif

/// A stand-in for vpcd in tests: listens on 127.0.0.1 (a port the kernel picks), accepts the
/// card's connections and lets a test script each byte, malformed frames included.
final class VPCDFakeServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32

    /// Listens on 127.0.0.1:`port` (0: the kernel picks one).
    init(port requested: UInt16 = 0) throws {
        let socket: ListeningSocket
        do {
            socket = try ListeningSocket.tcp(host: "127.0.0.1", port: requested, name: "127.0.0.1:\(requested)")
        } catch {
            throw PCSCDHarnessError("listen: \(error)")
        }
        listener = socket.descriptor.rawValue
        port = SocketAddress.of(socket.descriptor).port
    }

    deinit {
        close(listener)
    }

    var endpoint: VPCDEndpoint { VPCDEndpoint(host: "127.0.0.1", port: port) }

    /// The next connection from the card, or an error after `timeout` seconds.
    func accept(timeout: Double = 5) throws -> Connection {
        guard Connection.wait(listener, events: Int16(POLLIN), timeout: timeout) else {
            throw PCSCDHarnessError("the card did not connect within \(timeout) s")
        }
        let fd = Glibc.accept(listener, nil, nil)
        guard fd >= 0 else { throw PCSCDHarnessError("accept: errno \(errno)") }
        return Connection(descriptor: fd)
    }

    /// One accepted connection, seen from vpcd's side.
    final class Connection: @unchecked Sendable {
        private let descriptor: Int32
        private var buffer: [UInt8] = []
        private var closed = false

        init(descriptor: Int32) {
            self.descriptor = descriptor
            var on: Int32 = 1
            setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        }

        deinit {
            close()
        }

        func close() {
            guard !closed else { return }
            closed = true
            Glibc.close(descriptor)
        }

        /// Raw bytes, as written (malformed ones included).
        func send(_ bytes: [UInt8]) {
            _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }

        /// One frame: length ‖ payload.
        func sendFrame(_ payload: [UInt8]) throws {
            send(try VPCDMessage.frame(payload))
        }

        /// Sends `payload` as a frame and reads the card's answer frame.
        func exchange(_ payload: [UInt8], timeout: Double = 5) throws -> [UInt8] {
            try sendFrame(payload)
            guard let answer = try readFrame(timeout: timeout) else {
                throw PCSCDHarnessError("the card closed the connection instead of answering")
            }
            return answer
        }

        /// The card's next frame; `nil` when the card closed the connection.
        func readFrame(timeout: Double = 5) throws -> [UInt8]? {
            while true {
                if buffer.count >= 2 {
                    let length = Int(buffer[0]) << 8 | Int(buffer[1])
                    if buffer.count >= 2 + length {
                        let payload = Array(buffer[2..<(2 + length)])
                        buffer.removeFirst(2 + length)
                        return payload
                    }
                }
                guard let chunk = try receive(timeout: timeout) else { return nil }
                buffer += chunk
            }
        }

        /// Whether the card closes the connection within `timeout` seconds (data is discarded).
        func waitForClose(timeout: Double = 5) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                do {
                    guard try receive(timeout: deadline.timeIntervalSinceNow) != nil else { return true }
                } catch {
                    return false
                }
            }
            return false
        }

        private func receive(timeout: Double) throws -> [UInt8]? {
            guard Connection.wait(descriptor, events: Int16(POLLIN), timeout: timeout) else {
                throw PCSCDHarnessError("no data from the card within \(timeout) s")
            }
            var chunk = [UInt8](repeating: 0, count: 70_000)
            let count = read(descriptor, &chunk, chunk.count)
            guard count > 0 else { return nil }
            return Array(chunk[..<count])
        }

        static func wait(_ descriptor: Int32, events: Int16, timeout: Double) -> Bool {
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let result = poll(&entry, 1, Int32(max(0, timeout * 1_000)))
            return result > 0
        }
    }
}
