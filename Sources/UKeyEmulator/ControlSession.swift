import Foundation

/// One connection to `control.sock`: JSON objects, one per line, in both directions. Each
/// request line gets one reply line; after `{"op":"events"}` the connection also receives one
/// line per token event until it closes.
///
/// Reactor thread only.
final class ControlSession {
    /// A request line longer than this closes the connection.
    static let maxLineLength = 64 * 1024
    /// A subscriber that lets this much output pile up is dropped.
    static let maxBacklog = 1 << 20

    let connection: StreamConnection
    /// Whether token events are sent to this connection.
    var subscribed = false
    private var input: [UInt8] = []

    init(connection: StreamConnection) {
        self.connection = connection
    }

    /// Appends received bytes and returns the complete lines; `nil` if a line is too long.
    func lines(from bytes: [UInt8]) -> [[UInt8]]? {
        input += bytes
        var lines: [[UInt8]] = []
        while let newline = input.firstIndex(of: 0x0A) {
            lines.append(Array(input[..<newline]))
            input.removeFirst(newline + 1)
        }
        return input.count > ControlSession.maxLineLength ? nil : lines
    }

    /// Queues one JSON object as a line. Returns false when the peer is too far behind.
    @discardableResult
    func send(_ object: [String: Any]) -> Bool {
        guard connection.pendingOutputCount < ControlSession.maxBacklog else { return false }
        return connection.enqueue(ControlSession.encode(object))
    }

    /// One JSON line, keys sorted (stable output for tests and scripts).
    static func encode(_ object: [String: Any]) -> [UInt8] {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data(#"{"ok":false,"error":"internal error: unencodable reply"}"#.utf8)
        return Array(data) + [0x0A]
    }
}
