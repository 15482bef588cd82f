import Dispatch
import Foundation
import ISO7816
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The body of a ``VPCDLink``: the loop on the link's own thread (connect, serve frames,
/// reconnect) and the state that other threads touch (stop requests, the card's replies).
///
/// Only the link thread reads and writes the socket. Other threads reach it in two ways, both
/// under ``state``'s lock: `stop()` shuts the socket down (a blocking `read` returns) and
/// signals the wake pipe; a reply from the card is stored and, when the link thread is parked
/// in `poll` waiting for it, signals the wake pipe.
final class VPCDLinkRunner: Sendable {
    private struct State {
        var started = false
        var stopping = false
        var finished = false
        var connectionCount = 0
        /// The connected socket's descriptor, for `shutdown` from `stop()`.
        var socket: Int32? = nil
        var thread: pthread_t? = nil
        /// The command the card is working on (0: none); replies for another one are stale.
        var exchange: UInt64 = 0
        var lastExchange: UInt64 = 0
        var reply: [UInt8]? = nil
        /// The link thread sleeps in `poll` until the reply arrives.
        var parked = false
    }

    let endpoint: VPCDEndpoint
    let card: any VPCDCard
    let policy: VPCDReconnectPolicy
    private let trace: (@Sendable (VPCDTraceEvent) -> Void)?
    private let state = Mutex(State())
    private let wake = VPCDWakeup()
    private let done = DispatchSemaphore(value: 0)

    init(endpoint: VPCDEndpoint, card: any VPCDCard, policy: VPCDReconnectPolicy,
         trace: (@Sendable (VPCDTraceEvent) -> Void)?) {
        self.endpoint = endpoint
        self.card = card
        self.policy = policy
        self.trace = trace
    }

    // MARK: Other threads

    var isConnected: Bool { state.withLock { $0.socket != nil } }
    var connectionCount: Int { state.withLock { $0.connectionCount } }
    var isRunning: Bool { state.withLock { $0.started && !$0.finished } }

    func start() {
        let first = state.withLock { state -> Bool in
            guard !state.started else { return false }
            state.started = true
            return true
        }
        guard first else { return }
        let thread = Thread { [self] in run() }
        thread.name = "vpcd \(endpoint)"
        thread.start()
    }

    /// Ends the loop and, unless called on the link thread itself, waits until it has ended.
    func stop() {
        let (wait, onLinkThread) = state.withLock { state -> (Bool, Bool) in
            guard state.started else {
                state.started = true
                state.finished = true
                return (false, false)
            }
            state.stopping = true
            if let socket = state.socket { _ = shutdown(socket, Int32(SHUT_RDWR)) }
            let onLinkThread = state.thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
            return (!state.finished, onLinkThread)
        }
        wake.signal()
        guard wait, !onLinkThread else { return }
        done.wait()
        done.signal()
    }

    /// The card's answer for `exchange`; stale answers (after a disconnect or a reset) are dropped.
    private func deliver(_ response: [UInt8], exchange: UInt64) {
        let signal = state.withLock { state -> Bool in
            guard state.exchange == exchange, state.reply == nil else { return false }
            state.reply = response
            return state.parked
        }
        if signal { wake.signal() }
    }

    // MARK: The link thread

    private func run() {
        state.withLock { $0.thread = pthread_self() }
        defer {
            state.withLock { $0.finished = true }
            trace?(.stopped)
            done.signal()
        }
        var delay = policy.initialDelay
        var buffer = [UInt8](repeating: 0, count: VPCDMessage.maxPayload + 2)
        while !isStopping {
            let socket: VPCDSocket
            do {
                guard let connected = try VPCDSocket.connect(to: endpoint, wake: wake) else { return }
                socket = connected
            } catch {
                trace?(.connectFailed(endpoint, error, retryAfter: delay))
                guard pause(milliseconds: delay) else { return }
                delay = policy.delay(after: delay)
                continue
            }
            guard register(socket) else { return }
            delay = policy.initialDelay
            trace?(.connected(endpoint))
            let reason = buffer.withUnsafeMutableBytes { serve(socket, buffer: $0) }
            unregister()
            card.powerOff()
            guard let reason else { return }
            trace?(.disconnected(endpoint, reason))
            guard pause(milliseconds: delay) else { return }
        }
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    private func register(_ socket: VPCDSocket) -> Bool {
        state.withLock { state in
            guard !state.stopping else { return false }
            state.socket = socket.descriptor
            state.connectionCount += 1
            return true
        }
    }

    private func unregister() {
        state.withLock { state in
            state.socket = nil
            state.exchange = 0
            state.reply = nil
            state.parked = false
        }
    }

    /// Sleeps `milliseconds` unless a stop arrives first; `false` when stopping.
    private func pause(milliseconds: Int) -> Bool {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(milliseconds) * 1_000_000
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { return !isStopping }
            let left = Int32(min((deadline - now) / 1_000_000 + 1, UInt64(Int32.max)))
            if VPCDSocket.wait(for: nil, events: 0, wake: wake, milliseconds: left) == .woken {
                wake.drain()
                if isStopping { return false }
            }
        }
    }

    /// Serves one connection until it ends: the reason, or `nil` when the link is stopping.
    private func serve(_ socket: VPCDSocket, buffer: UnsafeMutableRawBufferPointer) -> VPCDLinkError? {
        var decoder = VPCDFrameDecoder()
        while true {
            do {
                while let message = try decoder.next() {
                    if let failure = handle(message, socket: socket, decoder: &decoder, buffer: buffer) {
                        return isStopping ? nil : failure
                    }
                }
            } catch {
                return .malformed(error)
            }
            do {
                let count = try socket.receive(into: buffer)
                if isStopping { return nil }
                guard count > 0 else {
                    do { try decoder.finish() } catch { return .malformed(error) }
                    return .closedByPeer
                }
                decoder.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            } catch {
                return isStopping ? nil : error
            }
        }
    }

    /// Handles one message; returns why the connection must end, if it must.
    private func handle(_ message: VPCDMessage, socket: VPCDSocket, decoder: inout VPCDFrameDecoder,
                        buffer: UnsafeMutableRawBufferPointer) -> VPCDLinkError? {
        do throws(VPCDLinkError) {
            switch message {
            case .control(let control):
                trace?(.control(control))
                switch control {
                case .powerOff: card.powerOff()
                case .powerOn: card.powerOn()
                case .reset: card.reset()
                case .getATR:
                    let frame: [UInt8]
                    do { frame = try VPCDMessage.frame(card.atr) } catch { throw .malformed(error) }
                    try socket.send(frame)
                }
            case .apdu(let apdu):
                if let trace { trace(.command(VPCDTraceEvent.redacted(command: apdu))) }
                let started = DispatchTime.now().uptimeNanoseconds
                guard var response = try exchange(apdu, socket: socket, decoder: &decoder, buffer: buffer) else {
                    return nil
                }
                if response.count < 2 || response.count > VPCDMessage.maxPayload {
                    response = StatusWord.noPreciseDiagnosis.bytes
                }
                if let trace {
                    let status = StatusWord(sw1: response[response.count - 2], sw2: response[response.count - 1])
                    let micros = Int((DispatchTime.now().uptimeNanoseconds - started) / 1_000)
                    trace(.response(status, dataLength: response.count - 2, microseconds: micros))
                }
                try socket.send([UInt8(response.count >> 8), UInt8(response.count & 0xFF)] + response)
            }
            return nil
        } catch {
            return error
        }
    }

    /// Gives `apdu` to the card and waits for its reply, watching the socket (vpcd may go away
    /// while the holder decides) and stop requests. `nil` when stopping.
    private func exchange(_ apdu: [UInt8], socket: VPCDSocket, decoder: inout VPCDFrameDecoder,
                          buffer: UnsafeMutableRawBufferPointer) throws(VPCDLinkError) -> [UInt8]? {
        let id = state.withLock { state -> UInt64 in
            state.lastExchange += 1
            state.exchange = state.lastExchange
            state.reply = nil
            return state.exchange
        }
        card.transmit(apdu) { [weak self] response in self?.deliver(response, exchange: id) }
        while true {
            let outcome = state.withLock { state -> (reply: [UInt8]?, stopping: Bool) in
                if let reply = state.reply {
                    state.reply = nil
                    state.exchange = 0
                    return (reply, false)
                }
                state.parked = !state.stopping
                return (nil, state.stopping)
            }
            if let reply = outcome.reply { return reply }
            if outcome.stopping { return nil }
            let readiness = socket.waitReadable(wake: wake)
            state.withLock { $0.parked = false }
            switch readiness {
            case .woken, .timedOut:
                wake.drain()
            case .ready:
                // vpcd does not send while a command is open; anything here is the end of the
                // stream (or an early frame, kept for after the reply).
                let count = try socket.receive(into: buffer)
                if isStopping { return nil }
                guard count > 0 else { throw .closedByPeer }
                decoder.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            }
        }
    }
}
