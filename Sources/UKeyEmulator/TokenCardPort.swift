import CCID
import Foundation
import Synchronization

/// A token as a card for links that carry APDUs instead of USB transfers — the vpcd card mode
/// (`--vpcd`). A link's own thread calls ``powerOn()``, ``powerOff()`` and ``transmit(_:)``;
/// each blocks that thread (never the reactor) until the token answers. The work runs on the
/// reactor as a virtual CCID host on the token's USB device (IccPowerOn, IccPowerOff,
/// XfrBlock), so the card behaves exactly as over USB: confirmations, time extensions and the
/// control socket's `press` all work, and a CONFIRM TRANSFER simply blocks until decided.
///
/// A token with a card port is not offered over USB/IP. `Sendable`: the reactor-side state is
/// only touched on the reactor.
public final class TokenCardPort: @unchecked Sendable {
    /// The token's bus id (1-1 …).
    public let busid: String
    private let post: @Sendable (@escaping @Sendable () -> Void) -> Void
    // Reactor thread only:
    private weak var token: EmulatedToken?
    private var bSeq: UInt8 = 0
    private var pending: (bSeq: UInt8, completion: (CCIDReply?) -> Void)?
    /// Set once the emulator stops; checked by callers before posting work (any thread).
    private let closed = Mutex(false)

    init(token: EmulatedToken, post: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void) {
        busid = token.busid
        self.token = token
        self.post = post
    }

    /// Powers the card on; returns its ATR, or `nil` if the emulator stopped or the slot is empty.
    public func powerOn() -> [UInt8]? {
        guard let reply = exchange(.iccPowerOn(bPowerSelect: .automatic)),
              reply.bStatus.bmCommandStatus == .processedWithoutError,
              case .dataBlock(_, let atr) = reply.message else { return nil }
        return atr
    }

    /// Powers the card off.
    public func powerOff() {
        _ = exchange(.iccPowerOff)
    }

    /// Sends one command APDU; returns the response APDU (data + SW1 SW2), or `nil` if the
    /// emulator stopped or the card is absent or unpowered.
    public func transmit(_ apdu: [UInt8]) -> [UInt8]? {
        guard let reply = exchange(.xfrBlock(bBWI: 0, wLevelParameter: 0, abData: apdu)),
              reply.bStatus.bmCommandStatus == .processedWithoutError,
              case .dataBlock(_, let response) = reply.message else { return nil }
        return response
    }

    private final class Box: @unchecked Sendable {
        var reply: CCIDReply?
    }

    private func exchange(_ message: PCtoRDR) -> CCIDReply? {
        let done = DispatchSemaphore(value: 0)
        let box = Box()
        // Posting under the lock: work posted before close() is run by the emulator's final
        // drain; after it, nothing is posted.
        let posted = closed.withLock { isClosed -> Bool in
            guard !isClosed else { return false }
            post { [self] in
                start(message) { reply in
                    box.reply = reply
                    done.signal()
                }
            }
            return true
        }
        guard posted else { return nil }
        done.wait()
        return box.reply
    }

    // MARK: Reactor thread

    private func start(_ message: PCtoRDR, completion: @escaping (CCIDReply?) -> Void) {
        guard !closed.withLock({ $0 }), pending == nil, let token else { return completion(nil) }
        bSeq &+= 1
        pending = (bSeq, completion)
        token.device.bulkOut(CCIDCommand(bSeq: bSeq, message).bytes)
        pump()
    }

    /// Takes the device's replies; completes the open exchange with its final reply (time
    /// extensions are skipped).
    func pump() {
        guard let open = pending, let token else { return }
        while let bytes = token.device.takeBulkIn(maxLength: CCIDLimits.maxMessageLength) {
            guard let reply = try? CCIDReply(parsing: bytes), reply.bSeq == open.bSeq else { continue }
            if reply.bStatus.bmCommandStatus == .timeExtension { continue }
            pending = nil
            open.completion(reply)
            return
        }
    }

    /// The token lost power (a `tear` fault): the open exchange gets no answer (`nil`).
    func lostPower() {
        if let open = pending {
            pending = nil
            open.completion(nil)
        }
    }

    /// The emulator stops: a waiting caller gets `nil`, later calls too.
    func close() {
        closed.withLock { $0 = true }
        if let open = pending {
            pending = nil
            open.completion(nil)
        }
    }
}

/// A link that serves a token through a ``TokenCardPort`` on its own thread (vpcd's is
/// `VPCDLink`). The emulator starts one per `--vpcd` and stops it on shutdown.
public protocol CardLink: AnyObject, Sendable {
    /// Ends the link's thread (it may return before the thread has finished).
    func stop()
}
