#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The driver's trace: each hop (IFDH call → CCID message → APDU and status word) on stderr,
/// which is pcscd's log. On with `UKEY_DRIVER_TRACE=1` in pcscd's environment, or with
/// `Trace.isEnabled = true` in-process. Message bodies are never dumped at the CCID, USB/IP or
/// T=1 hops (they may carry a PIN); APDUs are printed by `APDUTrace`, which redacts PINs.
package enum Trace {
    private static let enabled = Atomic<Bool>({
        guard let value = getenv("UKEY_DRIVER_TRACE") else { return false }
        let text = String(cString: value)
        return !text.isEmpty && text != "0"
    }())
    private static let sink = Mutex<(@Sendable (String) -> Void)?>(nil)

    package static var isEnabled: Bool {
        get { enabled.load(ordering: .relaxed) }
        set { enabled.store(newValue, ordering: .relaxed) }
    }

    /// Sends trace lines somewhere other than stderr (tests); `nil` restores stderr.
    package static func setSink(_ newSink: (@Sendable (String) -> Void)?) {
        sink.withLock { $0 = newSink }
    }

    /// Logs a line when tracing is on; the text is only built then.
    static func log(_ line: () -> String) {
        guard isEnabled else { return }
        let text = "ukey-driver: " + line()
        if let custom = sink.withLock({ $0 }) {
            custom(text)
        } else {
            let line = Array((text + "\n").utf8)
            _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        }
    }
}
