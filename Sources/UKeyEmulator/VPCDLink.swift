import Foundation

/// The emulator's vpcd card mode: a token connected to stock vsmartcard vpcd as its card, the
/// way vicc connects (ARCHITECTURE.md, "Protocols on the wire").
///
/// vpcd listens (Debian: port 35963) and the card connects. The link runs on its own thread
/// with a blocking socket: it reads frames, calls the ``VPCDCard`` and writes the answers. It
/// keeps trying until vpcd is there (250 ms, doubling up to 2 s: ``VPCDReconnectPolicy``),
/// reconnects when vpcd restarts or sends a malformed frame, and powers the card off whenever
/// a connection ends. A link is started once; after ``stop()`` it is finished.
///
/// ```swift
/// let link = VPCDLink(endpoint: try VPCDEndpoint(parsing: "127.0.0.1:35963"), card: card,
///                     trace: { print($0) })
/// link.start()
/// …
/// link.stop()
/// ```
public final class VPCDLink: Sendable {
    public typealias TraceHandler = @Sendable (VPCDTraceEvent) -> Void

    private let runner: VPCDLinkRunner

    /// A link from `card` to the vpcd at `endpoint`; `trace`, when given, is called on the
    /// link thread for every hop (no secrets: see ``VPCDTraceEvent``).
    public init(endpoint: VPCDEndpoint = .default, card: any VPCDCard,
                reconnect: VPCDReconnectPolicy = .default, trace: TraceHandler? = nil) {
        runner = VPCDLinkRunner(endpoint: endpoint, card: card, policy: reconnect, trace: trace)
    }

    deinit {
        runner.stop()
    }

    public var endpoint: VPCDEndpoint { runner.endpoint }
    public var card: any VPCDCard { runner.card }

    /// Starts the link thread (once; later calls do nothing).
    public func start() {
        runner.start()
    }

    /// Stops the link: closes the connection, ends the thread and returns once it has ended
    /// (from the link thread itself, e.g. in a trace handler, it returns at once).
    public func stop() {
        runner.stop()
    }

    /// Whether a connection to vpcd is open now.
    public var isConnected: Bool { runner.isConnected }

    /// How many connections to vpcd were opened so far (a reconnect adds one).
    public var connectionCount: Int { runner.connectionCount }

    /// Whether the link thread is running.
    public var isRunning: Bool { runner.isRunning }

    /// Waits until at least `count` connections were opened and one is open now; `false` after
    /// `timeout` seconds. For tests and for a CLI that reports when vpcd is reached.
    public func waitUntilConnected(count: Int = 1, timeout: Double) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1_000))
        while ContinuousClock.now < deadline {
            if runner.connectionCount >= count && runner.isConnected { return true }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return runner.connectionCount >= count && runner.isConnected
    }
}
