import CPCSCLite
import Synchronization

/// A connection to the card in a reader (or, in direct mode, to the reader): APDUs,
/// transactions, reconnection, status, reader control and attributes. Disconnected by
/// ``disconnect(disposition:)`` or, leaving the card as it is, when the last reference goes.
///
/// Threads: `Sendable`. Its Swift state (connected, active protocol) is behind a lock that is
/// never held during a C call; libpcsclite itself runs one call per context at a time, so a
/// transmit waiting for the holder holds up every other call on the same context.
public final class PCSCCard: Sendable {
    /// The context this card was connected through (kept alive by the card).
    public let context: PCSCContext
    /// The reader's name as given to SCardConnect.
    public let reader: String
    /// The SCARDHANDLE.
    let handle: SCARDHANDLE
    private let state: Mutex<State>

    struct State {
        var connected = true
        var activeProtocol: PCSCProtocol
    }

    /// The largest response SCardTransmit can return: an extended APDU's 65,536 data bytes plus
    /// header, Lc, Le and the status word (MAX_BUFFER_SIZE_EXTENDED, 65,548).
    public static let maxResponseLength = 4 + 3 + 65_536 + 3 + 2

    init(context: PCSCContext, handle: SCARDHANDLE, reader: String, activeProtocol: PCSCProtocol) {
        self.context = context
        self.handle = handle
        self.reader = reader
        self.state = Mutex(State(activeProtocol: activeProtocol))
    }

    deinit {
        try? disconnect(disposition: .leave)
    }

    /// The protocol in use: `.t0`, `.t1`, `.raw`, or empty when none was negotiated (a direct
    /// connection to a reader whose card is not powered; transmit then fails).
    public var activeProtocol: PCSCProtocol { state.withLock { $0.activeProtocol } }

    /// Whether ``disconnect(disposition:)`` has not been called yet.
    public var isConnected: Bool { state.withLock { $0.connected } }

    /// Throws `.invalidHandle` after ``disconnect(disposition:)``; otherwise the active protocol.
    private func connectedProtocol() throws(PCSCError) -> PCSCProtocol {
        let current = state.withLock { $0 }
        guard current.connected else { throw .invalidHandle }
        return current.activeProtocol
    }

    /// Sends a command APDU and returns the response APDU, status word included. Extended APDUs
    /// fit (the buffer holds ``maxResponseLength`` bytes). Blocks while the card works, which
    /// for a transfer confirmation means until the holder decides; see ``transmit(_:)-async``.
    ///
    /// The corresponding C function is SCardTransmit, with the PCI of the active protocol.
    /// Throws `.removedCard` once the card has been removed, `.resetCard` after another
    /// application reset it.
    public func transmit(_ command: [UInt8]) throws(PCSCError) -> [UInt8] {
        let pci = try connectedProtocol().sendPCI
        var length = UInt(Self.maxResponseLength)
        var result = 0
        let response = [UInt8](unsafeUninitializedCapacity: Self.maxResponseLength) { buffer, count in
            result = command.withUnsafeBufferPointer { send in
                if var pci {
                    return SCardTransmit(handle, &pci, send.baseAddress, UInt(send.count), nil, buffer.baseAddress, &length)
                }
                return SCardTransmit(handle, nil, send.baseAddress, UInt(send.count), nil, buffer.baseAddress, &length)
            }
            count = result == PCSCError.success ? min(Int(length), buffer.count) : 0
        }
        try PCSCError.check(result)
        return response
    }

    /// Starts a transaction: until ``endTransaction(_:)``, no other application may use the
    /// card. Waits while another application holds one.
    ///
    /// The corresponding C function is SCardBeginTransaction.
    public func beginTransaction() throws(PCSCError) {
        _ = try connectedProtocol()
        try PCSCError.check(SCardBeginTransaction(handle))
    }

    /// Ends the transaction, leaving the card as `disposition` says.
    ///
    /// The corresponding C function is SCardEndTransaction. Throws `.notTransacted` when no
    /// transaction is open.
    public func endTransaction(_ disposition: PCSCDisposition = .leave) throws(PCSCError) {
        _ = try connectedProtocol()
        try PCSCError.check(SCardEndTransaction(handle, disposition.rawValue))
    }

    /// Runs `body` inside a transaction, which ends (with `disposition`) also when `body`
    /// throws; then `body`'s error wins over one from SCardEndTransaction.
    ///
    /// Throws the ``PCSCError`` of SCardBeginTransaction / SCardEndTransaction, or `body`'s error.
    public func withTransaction<T>(disposition: PCSCDisposition = .leave,
                                   _ body: (PCSCCard) throws -> T) throws -> T {
        try beginTransaction()
        let value: T
        do {
            value = try body(self)
        } catch {
            try? endTransaction(disposition)
            throw error
        }
        try endTransaction(disposition)
        return value
    }

    /// Reconnects after a reset or a removal, or to change the share mode or protocol:
    /// `initialization` says what to do to the card first. Updates ``activeProtocol``.
    ///
    /// The corresponding C function is SCardReconnect.
    public func reconnect(share: PCSCShareMode = .shared, protocols: PCSCProtocol = .any,
                          initialization: PCSCDisposition = .leave) throws(PCSCError) {
        _ = try connectedProtocol()
        var active: UInt = 0
        try PCSCError.check(SCardReconnect(handle, share.rawValue, protocols.rawValue, initialization.rawValue, &active))
        state.withLock { $0.activeProtocol = PCSCProtocol(rawValue: active) }
    }

    /// Ends the connection, leaving the card as `disposition` says. Idempotent: later calls
    /// do nothing, other methods throw `.invalidHandle`.
    ///
    /// The corresponding C function is SCardDisconnect.
    public func disconnect(disposition: PCSCDisposition = .leave) throws(PCSCError) {
        let wasConnected = state.withLock { state in
            defer { state.connected = false }
            return state.connected
        }
        guard wasConnected else { return }
        try PCSCError.check(SCardDisconnect(handle, disposition.rawValue))
    }

    /// The reader's name, the card's state and protocol, and its ATR.
    ///
    /// The corresponding C function is SCardStatus. Throws `.removedCard` after a removal,
    /// `.resetCard` after a reset by someone else (``reconnect(share:protocols:initialization:)``
    /// clears both).
    public func status() throws(PCSCError) -> PCSCCardStatus {
        _ = try connectedProtocol()
        var names = [CChar](repeating: 0, count: 1024)
        var namesLength = UInt(names.count)
        var cardState: UInt = 0
        var cardProtocol: UInt = 0
        var atr = [UInt8](repeating: 0, count: Int(MAX_ATR_SIZE) + 3)
        var atrLength = UInt(atr.count)
        try PCSCError.check(SCardStatus(handle, &names, &namesLength, &cardState, &cardProtocol, &atr, &atrLength))
        return PCSCCardStatus(readerNames: PCSCContext.multiString(names.prefix(min(Int(namesLength), names.count))),
                              state: PCSCCardState(rawValue: cardState),
                              activeProtocol: PCSCProtocol(rawValue: cardProtocol),
                              atr: Array(atr.prefix(min(Int(atrLength), atr.count))))
    }

    /// The card's ATR (from ``status()``).
    public var atr: [UInt8] {
        get throws(PCSCError) { try status().atr }
    }

    /// SCARD_CTL_CODE(`function`): pcsc-lite's control code 0x42000000 + `function` (the C
    /// macro does not import into Swift).
    public static func controlCode(_ function: UInt32) -> UInt32 { 0x4200_0000 &+ function }

    /// CM_IOCTL_GET_FEATURE_REQUEST, SCARD_CTL_CODE(3400) (PC/SC part 10 §2.2).
    public static let getFeatureRequest = controlCode(3400)

    /// Sends `data` to the reader's driver with control code `code` and returns its answer
    /// (up to 65,548 bytes). Works in direct mode without a card.
    ///
    /// The corresponding C function is SCardControl. Throws `.unsupportedFeature` when the
    /// driver does not know `code`.
    public func control(code: UInt32, data: [UInt8] = []) throws(PCSCError) -> [UInt8] {
        _ = try connectedProtocol()
        var returned: UInt = 0
        var result = 0
        let response = [UInt8](unsafeUninitializedCapacity: Self.maxResponseLength) { buffer, count in
            result = data.withUnsafeBytes { send in
                SCardControl(handle, UInt(code), send.baseAddress, UInt(send.count), buffer.baseAddress,
                             UInt(buffer.count), &returned)
            }
            count = result == PCSCError.success ? min(Int(returned), buffer.count) : 0
        }
        try PCSCError.check(result)
        return response
    }

    /// The raw value of a reader attribute (see ``PCSCAttribute`` for typed ids and decoding).
    ///
    /// The corresponding C function is SCardGetAttrib. Throws `.unsupportedFeature` for an
    /// attribute the driver does not have.
    public func attribute(_ id: PCSCAttribute) throws(PCSCError) -> [UInt8] {
        _ = try connectedProtocol()
        var size = 264  // MAX_BUFFER_SIZE: pcsc-lite's limit for an attribute
        for _ in 0..<2 {
            var length = UInt(size)
            var result = 0
            let value = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
                result = SCardGetAttrib(handle, id.rawValue, buffer.baseAddress, &length)
                count = result == PCSCError.success ? min(Int(length), buffer.count) : 0
            }
            if result == PCSCError.insufficientBuffer.rawValue, Int(length) > size {
                size = Int(length)
                continue
            }
            try PCSCError.check(result)
            return value
        }
        throw .insufficientBuffer
    }
}
