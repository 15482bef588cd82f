import Foundation
import POSIX
import UKeyControl
#if canImport(Glibc)
import Glibc
#endif

/// A client of an emulator's control socket (`DIR/control.sock`): what `ukey emulator status`,
/// `press`, `insert`, `remove` and `events` use, and tests too. It sends ``ControlRequest`` lines
/// and reads ``ControlReply`` and ``ControlEvent`` lines (README, "Emulator control socket").
///
/// Blocking; one thread at a time.
public final class ControlClient {
    private let fd: Int32
    private var buffer: [UInt8] = []
    /// The socket path connected to.
    public let path: String

    /// Connects to `DIR/control.sock`; `stateDirectory` `nil` means the default directory.
    public convenience init(stateDirectory: String?,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(EmulatorError) {
        let directory = stateDirectory ?? StateDirectory.defaultPath(environment: environment)
        try self.init(socketPath: directory + "/control.sock")
    }

    /// Connects to the control socket at `socketPath`.
    public init(socketPath: String) throws(EmulatorError) {
        path = socketPath
        do {
            fd = try ConnectedSocket.connect(unixPath: socketPath).descriptor.rawValue
        } catch {
            throw .control("no emulator answers on \(socketPath) (\(error)); start one with: ukey emulator run")
        }
    }

    deinit { Glibc.close(fd) }

    /// Sends one request and returns its reply (a ``ControlReply/failure(_:)`` is returned, not thrown).
    public func request(_ request: ControlRequest) throws(EmulatorError) -> ControlReply {
        do {
            try send(request)
        } catch {
            // An emulator that refuses the connection (another user's: SO_PEERCRED) answers with
            // one line and closes before the request arrives; its reason beats EPIPE.
            if let refusal = try? nextLine(timeout: 1), let reply = try? decode(ControlReply.self, refusal) { return reply }
            throw error
        }
        guard let reply = try nextLine(timeout: 30) else { throw .control("the emulator did not answer within 30 s") }
        return try decode(ControlReply.self, reply)
    }

    /// Sends one request line without waiting for the reply.
    public func send(_ request: ControlRequest) throws(EmulatorError) {
        let bytes = ControlLine.encode(request)
        do {
            try SocketDescriptor(rawValue: fd).sendAll(bytes)
        } catch {
            throw .system(operation: "send(\(path))", errno: error.errno)
        }
    }

    /// The next event on a subscribed connection (after ``ControlRequest/events``); `nil` after
    /// `timeout` seconds (`nil`: wait for ever). Throws when the emulator closed the connection.
    public func nextEvent(timeout: Double? = nil) throws(EmulatorError) -> ControlEvent? {
        guard let line = try nextLine(timeout: timeout) else { return nil }
        return try decode(ControlEvent.self, line)
    }

    private func decode<Line: Decodable>(_ type: Line.Type, _ line: [UInt8]) throws(EmulatorError) -> Line {
        do {
            return try ControlLine.decode(type, from: line)
        } catch {
            throw .control(ControlLineError().description)
        }
    }

    /// The next line the emulator sent, without its newline; `nil` after `timeout` seconds.
    private func nextLine(timeout: Double?) throws(EmulatorError) -> [UInt8]? {
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeFirst(newline + 1)
                return line
            }
            var milliseconds: Int32 = -1
            if let deadline {
                let left = deadline.timeIntervalSinceNow
                if left <= 0 { return nil }
                milliseconds = Int32(min(left * 1000 + 1, 60_000))
            }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0 && errno != EINTR { throw .system(operation: "poll(\(path))", errno: errno) }
            guard ready > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard count > 0 else { throw .control("the emulator closed the control connection") }
            buffer += chunk[..<count]
        }
    }
}
