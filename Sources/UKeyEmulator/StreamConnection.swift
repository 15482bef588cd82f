import POSIX

/// A non-blocking stream socket with a bounded output queue: replies are queued with
/// ``enqueue(_:)`` and leave with ``flush()`` (normally once per reactor iteration, so that
/// several replies go out in one write).
final class StreamConnection {
    /// The most bytes waiting to be sent before the peer is considered stuck and dropped.
    static let outputLimit = 4 << 20
    /// The most bytes read per readiness event.
    static let readChunk = 64 * 1024

    let socket: SocketDescriptor
    /// How the peer is named in logs (`127.0.0.1:51234`, `unix`).
    let peer: String
    private var output: [UInt8] = []
    private var outputStart = 0
    private(set) var isClosed = false

    init(fd: Int32, peer: String) {
        self.socket = SocketDescriptor(rawValue: fd)
        self.peer = peer
    }

    /// The descriptor, as the reactor knows it.
    var fd: Int32 { socket.rawValue }

    /// Bytes queued and not yet written.
    var pendingOutputCount: Int { output.count - outputStart }

    /// Reads what is there through `scratch` (one buffer per reactor, shared by its connections).
    /// - Returns: the bytes; empty when nothing was available; `nil` when the peer closed or the
    ///   read failed.
    func readAvailable(using scratch: inout [UInt8]) -> [UInt8]? {
        switch socket.receiveAvailable(into: &scratch) {
        case .data(let count): return Array(scratch[..<count])
        case .wouldBlock: return []
        case .closed, .failed: return nil
        }
    }

    /// Queues `bytes`. Returns false if the queue would exceed ``outputLimit``.
    @discardableResult
    func enqueue(_ bytes: [UInt8]) -> Bool {
        guard pendingOutputCount + bytes.count <= StreamConnection.outputLimit else { return false }
        if outputStart > 0 && outputStart >= output.count / 2 {
            output.removeFirst(outputStart)
            outputStart = 0
        }
        output += bytes
        return true
    }

    /// Writes as much of the queue as the socket takes. Returns false when the socket failed.
    func flush() -> Bool {
        while outputStart < output.count {
            guard let written = socket.send(output, from: outputStart) else { return false }
            if written == 0 { return true }
            outputStart += written
        }
        output.removeAll(keepingCapacity: true)
        outputStart = 0
        return true
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        socket.close()
    }
}
