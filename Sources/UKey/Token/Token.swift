import ISO7816

/// A UKey token as a banking client uses it: PIN, keys, certificate, signatures and transfers
/// confirmed on the token's screen.
///
/// Every operation runs inside one transaction of its ``CardChannel`` and starts by selecting
/// the banking applet: another program may have selected a different applet (or reset the card)
/// since the last operation. The PIN's verified state survives re-selection, so a client verifies
/// once per session.
///
/// ```swift
/// let token = try await TokenFinder(context: PCSCContext()).first()
/// try await token.verifyPIN(Secret(pin))
/// let signed = try await token.confirmTransfer(transfer, challenge: challengeFromTheBank)
/// ```
public final class Token: Sendable {
    public let channel: any CardChannel

    public init(channel: any CardChannel) {
        self.channel = channel
    }

    /// The serial, key state, tries left and signature counter (GET DATA token info).
    public func info() async throws(TokenError) -> TokenInfo {
        try await operation { session throws(TokenError) in try await session.info() }
    }

    /// Random bytes from the card's generator (GET CHALLENGE), 1–256 of them.
    public func randomBytes(count: Int) async throws(TokenError) -> [UInt8] {
        guard (1...256).contains(count) else { throw .invalidInput("GET CHALLENGE returns 1–256 bytes") }
        return try await operation { session throws(TokenError) in
            let response = try await session.send(BankingCommand.getChallenge(count: count), operation: "GET CHALLENGE")
            guard response.count == count else { throw .malformedResponse("GET CHALLENGE returned \(response.count) bytes") }
            return response
        }
    }

    /// What ``probe()`` found on a card that selected the banking applet.
    enum Probe {
        case token(TokenInfo)
        /// The card selected the banking applet, then GET DATA failed: a UKey token with a
        /// problem, not another card.
        case failedAfterSelect(TokenError)
    }

    /// ``info()`` for finding tokens: throws only when SELECT failed (the card is not a UKey
    /// token, or could not be asked); a failure after it is the probe's result.
    func probe() async throws(TokenError) -> Probe {
        try await channel.transaction { () async throws(TokenError) -> Probe in
            let session = TokenSession(channel: channel)
            try await session.selectApplet()
            do throws(TokenError) {
                return .token(try await session.info())
            } catch {
                return .failedAfterSelect(error)
            }
        }
    }

    /// Runs `body` in one transaction of the channel, after selecting the banking applet.
    func operation<Result>(_ body: (TokenSession) async throws(TokenError) -> Result) async throws(TokenError) -> Result {
        try await channel.transaction { () async throws(TokenError) -> Result in
            let session = TokenSession(channel: channel)
            try await session.selectApplet()
            return try await body(session)
        }
    }
}
