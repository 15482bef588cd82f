/// The state of the PIV PIN or PUK as VERIFY without data reports it (SP 800-73-4 part 2,
/// §3.2.1): 9000 verified, 63Cx `x` tries left, 6983 blocked. No try is used.
public struct PIVCredentialStatus: Codable, Hashable, Sendable {
    /// Verified in this card session (only the PIN can be).
    public let verified: Bool
    /// Tries left; `nil` when verified (the card then does not say, and a success restored them).
    public let triesLeft: Int?

    public init(verified: Bool, triesLeft: Int?) {
        self.verified = verified
        self.triesLeft = triesLeft
    }

    public var isBlocked: Bool { triesLeft == 0 }
}

extension PIVSession {
    /// VERIFY `reference` without data. For the PUK the card may not answer a status at all
    /// (wrong P2): then `nil`.
    func status(of reference: UInt8) async throws(TokenError) -> PIVCredentialStatus? {
        let response = try await session.exchange(PIVCommand.verify(reference: reference, nil))
        let status = response.statusWord.rawValue
        switch status {
        case 0x9000: return PIVCredentialStatus(verified: true, triesLeft: nil)
        case 0x63C0...0x63CF: return PIVCredentialStatus(verified: false, triesLeft: Int(status & 0x0F))
        case 0x6983: return PIVCredentialStatus(verified: false, triesLeft: 0)
        default:
            guard reference == PIVCommand.pinReference else { return nil }
            throw .unexpectedStatus(response.statusWord, operation: "VERIFY (status)")
        }
    }
}
