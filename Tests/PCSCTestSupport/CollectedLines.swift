import Foundation

/// Lines a process printed, collected from any thread.
public final class CollectedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    public init() {}

    public func append(_ line: String) { lock.withLock { lines.append(line) } }

    public var all: [String] { lock.withLock { lines } }
}

extension CollectedLines {
    /// Collects the lines written to `handle` (a pipe's read end) on a thread of its own, until
    /// end of file.
    ///
    /// It reads a duplicate of the descriptor with read(2): `FileHandle.availableData` traps on
    /// a read error (EBADF when the pipe is closed under it, say), which took a whole test
    /// process down; a duplicate stays open however the handle's owner closes its own.
    public func collect(from handle: FileHandle) {
        let fd = dup(handle.fileDescriptor)
        guard fd >= 0 else { return }
        Thread {
            defer { close(fd) }
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(fd, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                pending += buffer[0..<count]
                while let newline = pending.firstIndex(of: 0x0A) {
                    self.append(String(decoding: pending[..<newline], as: UTF8.self))
                    pending.removeSubrange(...newline)
                }
            }
            if !pending.isEmpty { self.append(String(decoding: pending, as: UTF8.self)) }
        }.start()
    }
}
