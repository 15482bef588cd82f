import CPCSCLite
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A connection to the PC/SC resource manager (pcscd): lists readers, waits for changes,
/// connects to cards. Released by ``release()`` or when the last reference goes (cards keep
/// their context alive).
///
/// libpcsclite finds pcscd through `PCSCLITE_CSOCK_NAME`, which it reads **once per process**,
/// at the first context. Set it (setenv) before the first ``init(scope:)`` to reach a private
/// pcscd; later changes are ignored.
///
/// Threads: `PCSCContext` is `Sendable`. Its Swift state is behind a lock, and libpcsclite runs
/// one call per context at a time (it holds the context's mutex for the whole call, including
/// calls through the context's cards). So a `statusChange` that waits, or a transmit that waits
/// for the holder, holds up every other call on the same context except ``cancel()``. Use one
/// context per concurrent activity; ``readerEvents(pollInterval:)`` makes its own.
///
/// The blocking calls have `async` variants that run on the context's own serial queue
/// (``BlockingQueue``), never on Swift's cooperative pool.
public final class PCSCContext: Sendable {
    /// The scope the context was established with.
    public let scope: PCSCScope
    /// The SCARDCONTEXT.
    let handle: SCARDCONTEXT
    private let released = Mutex(false)
    /// Runs the blocking calls of the `async` variants, for this context and its cards.
    let queue: BlockingQueue

    /// Establishes a context with pcscd.
    ///
    /// The corresponding C function is SCardEstablishContext. Throws `.noService` when pcscd
    /// does not answer.
    public init(scope: PCSCScope = .system) throws(PCSCError) {
        var context: SCARDCONTEXT = 0
        try PCSCError.check(SCardEstablishContext(scope.rawValue, nil, nil, &context))
        self.scope = scope
        self.handle = context
        self.queue = BlockingQueue(label: "pcsc-context-\(context)")
    }

    deinit {
        release()
    }

    /// Ends the context; every card connected through it becomes invalid. Idempotent. A wait in
    /// progress on this context delays it; ``cancel()`` first.
    ///
    /// The corresponding C function is SCardReleaseContext.
    public func release() {
        let wasReleased = released.withLock { released in
            defer { released = true }
            return released
        }
        if !wasReleased { _ = SCardReleaseContext(handle) }
    }

    /// Whether the context is still valid (not released, pcscd still there).
    ///
    /// The corresponding C function is SCardIsValidContext.
    public var isValid: Bool {
        !released.withLock { $0 } && SCardIsValidContext(handle) == PCSCError.success
    }

    /// Throws `.invalidHandle` after ``release()``.
    func checkNotReleased() throws(PCSCError) {
        if released.withLock({ $0 }) { throw .invalidHandle }
    }

    /// The readers pcscd knows, in its order; empty (not an error) when there are none.
    ///
    /// The corresponding C function is SCardListReaders (which fails with
    /// SCARD_E_NO_READERS_AVAILABLE when there are none).
    public func readers() throws(PCSCError) -> [String] {
        try checkNotReleased()
        for _ in 0..<4 {
            var length: UInt = 0
            var result = SCardListReaders(handle, nil, nil, &length)
            if result == PCSCError.noReadersAvailable.rawValue { return [] }
            try PCSCError.check(result)
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            result = SCardListReaders(handle, nil, &buffer, &length)
            if result == PCSCError.noReadersAvailable.rawValue { return [] }
            if result == PCSCError.insufficientBuffer.rawValue { continue }  // a reader came meanwhile
            try PCSCError.check(result)
            return Self.multiString(buffer.prefix(Int(length)))
        }
        throw .insufficientBuffer
    }

    /// Waits until the state of one of `readers` differs from its ``PCSCReaderState/currentState``
    /// or `timeout` passes (`nil`: no limit); returns the states with the event state and ATR
    /// filled in. Pass ``PCSCReaderState/next`` of each back to wait for the next change.
    /// Include ``PCSCReaderState/plugAndPlayReader`` to wake up when readers come and go.
    ///
    /// The corresponding C function is SCardGetStatusChange. Throws `.timeout` when nothing
    /// changed in time, `.cancelled` after ``cancel()``, `.unknownReader` for a name pcscd does
    /// not know. pcsc-lite takes at most 16 states.
    public func statusChange(_ readers: [PCSCReaderState], timeout: Duration?) throws(PCSCError) -> [PCSCReaderState] {
        try checkNotReleased()
        let names = readers.map { strdup($0.reader) }
        defer { names.forEach { free($0) } }
        var states = readers.enumerated().map { index, state in
            var c = SCARD_READERSTATE()
            c.szReader = UnsafePointer(names[index])
            c.dwCurrentState = state.cCurrentState
            return c
        }
        let result = SCardGetStatusChange(handle, Self.milliseconds(timeout), &states, UInt(states.count))
        try PCSCError.check(result)
        return zip(readers, states).map { given, c in
            var state = given
            state.setEventState(c.dwEventState)
            state.atr = withUnsafeBytes(of: c.rgbAtr) { Array($0.prefix(min(Int(c.cbAtr), $0.count))) }
            return state
        }
    }

    /// Ends a ``statusChange(_:timeout:)`` in progress on this context (from any thread): it
    /// throws `.cancelled`. pcsc-lite cancels only a wait that has begun; a cancel before
    /// that is lost.
    ///
    /// The corresponding C function is SCardCancel (which does not wait for the context's mutex).
    public func cancel() throws(PCSCError) {
        try checkNotReleased()
        try PCSCError.check(SCardCancel(handle))
    }

    /// Connects to the card in `reader` (or, with `.direct`, to the reader) and negotiates one
    /// of `protocols` (pass `[]` with `.direct`).
    ///
    /// The corresponding C function is SCardConnect. Throws `.unknownReader` for a reader pcscd
    /// does not know, `.noSmartCard` when the reader is empty, `.sharingViolation` when another
    /// application holds the card exclusively.
    public func connect(reader: String, share: PCSCShareMode = .shared,
                        protocols: PCSCProtocol = .any) throws(PCSCError) -> PCSCCard {
        try checkNotReleased()
        var card: SCARDHANDLE = 0
        var active: UInt = 0
        try PCSCError.check(SCardConnect(handle, reader, share.rawValue, protocols.rawValue, &card, &active))
        return PCSCCard(context: self, handle: card, reader: reader, activeProtocol: PCSCProtocol(rawValue: active))
    }

    /// The names in a C multi-string ("a\0b\0\0").
    static func multiString<C: Collection>(_ chars: C) -> [String] where C.Element == CChar {
        chars.split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    /// `timeout` as SCardGetStatusChange's DWORD milliseconds; `nil` is INFINITE.
    static func milliseconds(_ timeout: Duration?) -> UInt {
        guard let timeout else { return 0xFFFF_FFFF }
        let (seconds, attoseconds) = timeout.components
        guard seconds >= 0 else { return 0 }
        let total = seconds.multipliedReportingOverflow(by: 1000)
        guard !total.overflow else { return 0xFFFF_FFFE }
        return UInt(min(max(total.partialValue + attoseconds / 1_000_000_000_000_000, 0), 0xFFFF_FFFE))
    }
}
