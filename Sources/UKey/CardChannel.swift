/// A way to exchange APDUs with one card: PC/SC through pcscd, or the firmware in this process.
///
/// `transmit` sends one command APDU and returns the whole response APDU (data + SW1 SW2). It
/// may wait for as long as the card does (a holder deciding on a transfer) and never blocks a
/// thread of Swift's cooperative pool.
///
/// Errors: a channel throws ``TokenError/removed`` when the card left during or before the
/// exchange, ``TokenError/noToken`` when there is no card to talk to, and
/// ``TokenError/transport(_:)`` for anything else below the APDU level.
public protocol CardChannel: AnyObject, Sendable {
    func transmit(_ command: [UInt8]) async throws -> [UInt8]

    /// Runs `body` while this program holds the card exclusively (a PC/SC transaction), so that
    /// no other program's APDU lands between a SELECT and the commands that rely on it.
    func transaction<Result>(_ body: () async throws -> Result) async throws -> Result
}

extension CardChannel {
    /// A channel no other program can reach needs no transaction.
    public func transaction<Result>(_ body: () async throws -> Result) async throws -> Result {
        try await body()
    }
}
