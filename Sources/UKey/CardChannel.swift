/// A way to exchange APDUs with one card: PC/SC through pcscd, or the firmware in this process.
///
/// `transmit` sends one command APDU and returns the whole response APDU (data + SW1 SW2). It
/// may wait for as long as the card does (a holder deciding on a transfer) and never blocks a
/// thread of Swift's cooperative pool.
///
/// Errors are ``TokenError`` from the channel up: a channel throws ``TokenError/removed`` when
/// the card left during or before the exchange, ``TokenError/noToken`` when there is no card to
/// talk to, and ``TokenError/transport(_:)`` for anything else below the APDU level. Each
/// channel maps its transport's errors once, here at the bottom; nothing above re-casts.
public protocol CardChannel: AnyObject, Sendable {
    func transmit(_ command: [UInt8]) async throws(TokenError) -> [UInt8]

    /// Starts holding the card exclusively (a PC/SC transaction). Use ``transaction(_:)``.
    func beginTransaction() async throws(TokenError)
    /// Lets other programs reach the card again. Use ``transaction(_:)``.
    func endTransaction() async

    /// Whether an extended APDU goes through as it is; `false` on a T=0 connection, where the
    /// transcript runner sends it the short way (``ShortAPDUs``).
    var carriesExtendedAPDUs: Bool { get }
}

extension CardChannel {
    /// A channel no other program can reach needs no transaction.
    public func beginTransaction() async throws(TokenError) {}
    public func endTransaction() async {}
    public var carriesExtendedAPDUs: Bool { true }

    /// Runs `body` while this program holds the card exclusively, so that no other program's
    /// APDU lands between a SELECT and the commands that rely on it.
    public func transaction<Result>(_ body: () async throws(TokenError) -> Result) async throws(TokenError) -> Result {
        try await held(body).get()
    }

    /// ``transaction(_:)`` for a body with errors of its own (a transcript, the CLI): the
    /// transaction's own failure is a ``TokenError``.
    public func transaction<Result>(_ body: () async throws -> Result) async throws -> Result {
        try await held(body).get()
    }

    /// Both ``transaction(_:)``s: begins (its failure thrown, `body` not run), runs `body`, ends
    /// the transaction whatever `body` did, and hands back what `body` returned or threw.
    private func held<Value, Failure: Error>(_ body: () async throws(Failure) -> Value)
        async throws(TokenError) -> Swift.Result<Value, Failure>
    {
        try await beginTransaction()
        let outcome: Swift.Result<Value, Failure>
        do throws(Failure) {
            outcome = .success(try await body())
        } catch {
            outcome = .failure(error)
        }
        await endTransaction()
        return outcome
    }
}

/// A channel whose reader has a PIN pad (PC/SC part 10 FEATURE_VERIFY_PIN_DIRECT /
/// FEATURE_MODIFY_PIN_DIRECT): the holder types the PIN on the reader, here the token itself.
public protocol PINPadChannel: CardChannel {
    /// Whether the reader offers PIN verification and modification on its keypad. A reader
    /// without part 10 features answers (false, false); a failure to ask throws.
    func pinPadFeatures() async throws(TokenError) -> (verify: Bool, modify: Bool)
    /// Sends part 10's PIN_VERIFY_STRUCTURE (`modify` false) or PIN_MODIFY_STRUCTURE; the
    /// response APDU once the holder typed (6400 time-out, 6401 cancelled, as the reader reports).
    func pinPad(_ structure: [UInt8], modify: Bool) async throws(TokenError) -> [UInt8]
}
