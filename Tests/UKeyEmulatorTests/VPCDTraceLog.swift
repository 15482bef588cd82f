import Foundation
import UKeyEmulator

/// Collects a link's trace events for assertions (the handler runs on the link thread).
final class VPCDTraceLog: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [VPCDTraceEvent] = []

    var events: [VPCDTraceEvent] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    var handler: VPCDLink.TraceHandler {
        { [self] event in
            lock.lock()
            recorded.append(event)
            lock.unlock()
        }
    }

    /// Every event as trace text, one per line.
    var text: String { events.map(\.description).joined(separator: "\n") }
}
