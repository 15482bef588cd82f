extension PCSCCard {
    /// ``transmit(_:)`` on the context's queue, off the cooperative pool: a transfer
    /// confirmation may keep the call waiting for a minute. A cancelled task still waits for
    /// the card (PC/SC cannot abort a transmit).
    public func transmit(_ command: [UInt8]) async throws(PCSCError) -> [UInt8] {
        try await context.queue.run { () throws(PCSCError) in try self.transmit(command) }
    }

    /// ``beginTransaction()`` on the context's queue: it waits while another application holds
    /// the card.
    public func beginTransaction() async throws(PCSCError) {
        try await context.queue.run { () throws(PCSCError) in try self.beginTransaction() }
    }

    /// ``endTransaction(_:)`` on the context's queue.
    public func endTransaction(_ disposition: PCSCDisposition = .leave) async throws(PCSCError) {
        try await context.queue.run { () throws(PCSCError) in try self.endTransaction(disposition) }
    }

    /// ``reconnect(share:protocols:initialization:)`` on the context's queue (a reset takes a
    /// round trip to the card).
    public func reconnect(share: PCSCShareMode = .shared, protocols: PCSCProtocol = .any,
                          initialization: PCSCDisposition = .leave) async throws(PCSCError) {
        try await context.queue.run { () throws(PCSCError) in
            try self.reconnect(share: share, protocols: protocols, initialization: initialization)
        }
    }

    /// ``control(code:data:)`` on the context's queue.
    public func control(code: UInt32, data: [UInt8] = []) async throws(PCSCError) -> [UInt8] {
        try await context.queue.run { () throws(PCSCError) in try self.control(code: code, data: data) }
    }

    /// ``withTransaction(disposition:_:)`` for async work: the transaction begins and ends on
    /// the context's queue and ends (with `disposition`) also when `body` throws.
    /// It runs in the caller's isolation (`isolation`), so `body` need not be `Sendable`.
    public func withTransaction<T>(disposition: PCSCDisposition = .leave,
                                   isolation: isolated (any Actor)? = #isolation,
                                   _ body: (PCSCCard) async throws -> T) async throws -> T {
        try await beginTransaction()
        let value: T
        do {
            value = try await body(self)
        } catch {
            try? await endTransaction(disposition)
            throw error
        }
        try await endTransaction(disposition)
        return value
    }
}
