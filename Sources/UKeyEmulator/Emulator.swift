import CardOS
import Foundation
import HostPlatform
import POSIX
import TokenDevice
#if canImport(Glibc)
import Glibc
#endif

/// The token emulator: N tokens, each a USB device served over USB/IP (and optionally to vpcd),
/// with state in a locked directory, a confirmation screen and a control socket — all on one
/// reactor thread.
///
/// In-process use (tests):
///
///     var configuration = EmulatorConfiguration()
///     configuration.listen = [.tcp(host: "127.0.0.1", port: 0)]
///     configuration.stateDirectory = temporaryDirectory
///     let emulator = try Emulator(configuration: configuration)   // state opened, sockets bound
///     emulator.start()                                            // the reactor on its own thread
///     defer { emulator.shutdown() }                               // stop and wait
///     emulator.listenerAddresses                                  // ["127.0.0.1:41234"]
///
/// `ukey emulator run` calls ``run()`` on its main thread instead and stops on SIGINT / SIGTERM.
/// Stopping closes the listeners and connections, removes `control.sock` and unix listener
/// sockets, restores the terminal and releases the state directory's lock.
///
/// `@unchecked Sendable`: after `init`, mutable state is touched only on the reactor thread;
/// ``stop()`` and ``shutdown()`` go through the reactor's wake-up pipe.
public final class Emulator: @unchecked Sendable {
    public let configuration: EmulatorConfiguration
    /// The bound USB/IP listeners: `127.0.0.1:41234`, `[::1]:3240`, `unix:/path`.
    public let listenerAddresses: [String]
    /// The state directory in use.
    public var stateDirectory: String { state.path }
    /// `DIR/control.sock`.
    public var controlSocketPath: String { state.controlSocketPath }
    /// Bus id → serial (hex) of every token.
    public internal(set) var serials: [(busid: String, serial: String)]

    let state: StateDirectory
    let reactor: Reactor
    /// The tokens; a factory reset replaces one (``factoryReset(_:)``).
    var tokens: [EmulatedToken]
    /// Who decides confirmations: `--confirm`, then `ukey emulator set --confirm`.
    var confirmation: ConfirmationMode
    let tokenFactory: TokenFactory
    let tracer: Tracer?
    var listeners: [(fd: Int32, unixPath: String?)]
    let controlListener: Int32
    var sessions: [Int32: USBIPSession] = [:]
    var controlSessions: [Int32: ControlSession] = [:]
    var terminal: TerminalConfirmation?
    var cardPorts: [TokenCardPort] = []
    var cardLinks: [any CardLink] = []
    /// The one read buffer of the reactor thread, shared by all connections.
    var readScratch = [UInt8](repeating: 0, count: StreamConnection.readChunk)
    private let finished = DispatchSemaphore(value: 0)

    /// Opens (or creates and manufactures) the tokens in the state directory and binds every
    /// listener and the control socket; prints one line per listener. Nothing runs until
    /// ``run()`` or ``start()``.
    public init(configuration: EmulatorConfiguration) throws(EmulatorError) {
        guard (1...4_096).contains(configuration.tokens) else { throw .badConfiguration("--tokens must be 1…4096") }
        guard configuration.vpcd.count <= configuration.tokens else {
            throw .badConfiguration("\(configuration.vpcd.count) --vpcd links for \(configuration.tokens) token(s)")
        }
        self.configuration = configuration
        let clock = SystemClock()
        reactor = try Reactor(now: { clock.milliseconds })
        state = try StateDirectory(path: configuration.stateDirectory
                                   ?? StateDirectory.defaultPath(environment: configuration.environment))
        tokenFactory = TokenFactory(configuration: configuration, state: state, clock: clock)
        tokens = try tokenFactory.openTokens()
        confirmation = configuration.confirmation
        serials = tokens.map { ($0.busid, $0.serialHex) }
        tracer = configuration.trace ? Tracer(exchange: configuration.exchange, write: configuration.diagnostics) : nil

        var bound: [(fd: Int32, unixPath: String?)] = []
        var addresses: [String] = []
        do {
            for address in configuration.listen.isEmpty ? [ListenAddress.default] : configuration.listen {
                switch address {
                case .tcp(let host, let port):
                    let listener = try ListenAddress.listenTCP(host: host, port: port)
                    bound.append((listener.descriptor.rawValue, nil))
                    addresses.append(listener.boundAddress)
                    if !listener.isLoopback {
                        configuration.diagnostics("ukey emulator: warning: \(listener.boundAddress) is reachable from other hosts; "
                                                  + "anyone who can connect can use the tokens")
                    }
                case .unix(let path):
                    bound.append((try ListenAddress.listenUnix(path: path).descriptor.rawValue, path))
                    addresses.append("unix:\(path)")
                }
            }
            controlListener = try ListenAddress.listenUnix(path: state.controlSocketPath).descriptor.rawValue
        } catch {
            for listener in bound {
                close(listener.fd)
                if let path = listener.unixPath { unlink(path) }
            }
            throw error
        }
        listeners = bound
        listenerAddresses = addresses
        setUp()
        if let pcap = configuration.pcap {
            if let refusal = startCapture(path: pcap, includeSecrets: configuration.pcapIncludeSecrets) {
                tearDown()
                throw .badConfiguration(refusal)
            }
        }
        for address in addresses { configuration.output("ukey emulator: usbip listening on \(address)") }
    }

    private func setUp() {
        for listener in listeners {
            reactor.register(listener.fd, events: Int16(POLLIN)) { [unowned self] _ in acceptUSBIP(listener.fd) }
        }
        reactor.register(controlListener, events: Int16(POLLIN)) { [unowned self] _ in acceptControl() }
        reactor.nextDeadline = { [unowned self] in tokens.compactMap { $0.device.nextDeadline }.min() }
        reactor.onDeadline = { [unowned self] in tick() }
        reactor.afterIteration = { [unowned self] in
            checkTornTokens()
            flushAll()
        }
        for token in tokens {
            observe(token)
            if configuration.profile != .fast { installHook(token) }
        }
        if configuration.confirmation == .ask && isatty(STDIN_FILENO) == 1 {
            let terminal = TerminalConfirmation(write: configuration.output)
            self.terminal = terminal
            try? SocketDescriptor(rawValue: terminal.descriptor).setNonBlocking()
            reactor.register(terminal.descriptor, events: Int16(POLLIN)) { [unowned self] _ in keysTyped() }
        }
    }

    // MARK: Running

    /// Runs the reactor on the calling thread until ``stop()``, then releases everything.
    public func run() {
        startCardLinks()
        reactor.run()
        tearDown()
        finished.signal()
    }

    /// Runs ``run()`` on a new thread.
    public func start() {
        // Not kept in a property: the thread's closure holds `self`, and a stored Thread would make
        // a cycle that keeps a stopped emulator (tokens, buffers, key cache) alive forever.
        // Foundation keeps the running thread alive by itself.
        let thread = Thread { [self] in run() }
        thread.name = "ukey-emulator"
        thread.start()
    }

    /// Asks the reactor to stop; returns at once. Safe from any thread.
    public func stop() {
        reactor.post { [unowned self] in reactor.stop() }
    }

    /// Waits until ``run()`` has returned (after ``stop()``).
    public func wait() {
        finished.wait()
        finished.signal()   // later waits return at once too
    }

    /// ``stop()`` then ``wait()``.
    public func shutdown() {
        stop()
        wait()
    }

    private func tearDown() {
        _ = stopCapture()
        for link in cardLinks { link.stop() }
        for port in cardPorts { port.close() }
        reactor.runPostedWork()   // exchanges posted before the ports closed now get their nil
        for session in Array(sessions.values) { closeSession(session, reason: nil) }
        for session in Array(controlSessions.values) { closeControl(session) }
        for listener in listeners {
            reactor.unregister(listener.fd)
            close(listener.fd)
            if let path = listener.unixPath { unlink(path) }
        }
        listeners = []
        reactor.unregister(controlListener)
        close(controlListener)
        unlink(state.controlSocketPath)
        terminal?.restore()
        state.unlock()
    }

    private func startCardLinks() {
        guard !configuration.vpcd.isEmpty else { return }
        let diagnostics = configuration.diagnostics
        var handler: VPCDLink.TraceHandler? = nil
        if configuration.trace {
            handler = { (event: VPCDTraceEvent) in diagnostics("trace vpcd \(event)") }
        }
        let trace = handler
        let make: @Sendable (String, TokenCardPort) throws -> any CardLink = configuration.makeCardLink ?? { address, port in
            let link: VPCDLink = try VPCDLink.cardLink(address: address, port: port, trace: trace)
            return link
        }
        for (index, address) in configuration.vpcd.enumerated() {
            let token = tokens[index]
            let port = TokenCardPort(token: token, post: { [reactor] work in reactor.post(work) })
            token.cardPort = port
            cardPorts.append(port)
            do {
                cardLinks.append(try make(address, port))
                configuration.output("ukey emulator: token \(token.busid) serves vpcd at \(address)")
            } catch {
                configuration.diagnostics("ukey emulator: --vpcd \(address): \(error)")
            }
        }
    }

    // MARK: Time and events

    /// Deadline reached: tokens whose deadline passed get their tick.
    func tick() {
        let now = reactor.now()
        for token in tokens {
            guard let deadline = token.device.nextDeadline, deadline <= now else { continue }
            token.device.tick()
            pump(token)
        }
    }

    /// After anything happened to `token`: answer what its users wait for.
    func pump(_ token: EmulatedToken) {
        token.session?.completePending()
        token.cardPort?.pump()
    }

    /// The token named by a bus id or a serial (hex, any case); with one token, `nil` names it.
    func token(named name: String?) -> EmulatedToken? {
        guard let name, !name.isEmpty else { return tokens.count == 1 ? tokens[0] : nil }
        return tokens.first { $0.busid == name || $0.serialHex.caseInsensitiveCompare(name) == .orderedSame }
    }
}
