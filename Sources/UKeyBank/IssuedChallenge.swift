import UKey
import Foundation
import ISO7816

/// A challenge the bank issued for one intended transfer: the client puts it to the token with
/// the transfer (``commandData``), and the bank accepts the signed result only if it carries
/// this challenge, before ``expiresAt``, once, with exactly this ``transfer``.
///
/// JSON form (what `ukey transfer challenge --json` prints; `tokenSerial` and `accountHolder`
/// only when the challenge is bound to them):
///
///     { "challenge": "HEX", "transfer": { "payeeAccount": …, … },
///       "issuedAt": "2026-11-23T10:15:00Z", "expiresAt": "2026-11-23T10:20:00Z",
///       "tokenSerial": "HEX", "accountHolder": "…" }
public struct IssuedChallenge: Hashable, Sendable, Codable {
    /// The random bytes (``BankPolicy/challengeLength``, from `RAND_bytes`).
    public let challenge: [UInt8]
    /// The transfer the bank intends: every field of the signed transfer must equal it.
    public let transfer: Transfer
    /// When the bank issued it, in whole seconds.
    public let issuedAt: Date
    /// From this instant on the challenge is expired.
    public let expiresAt: Date
    /// If set, only this token (DTBS tag 86) may sign with the challenge.
    public let tokenSerial: [UInt8]?
    /// If set, the account holder whose daily limit the transfer counts against; otherwise the
    /// token's serial stands for the holder.
    public let accountHolder: String?

    public init(challenge: [UInt8], transfer: Transfer, issuedAt: Date, expiresAt: Date,
                tokenSerial: [UInt8]? = nil, accountHolder: String? = nil) {
        self.challenge = challenge
        self.transfer = transfer
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.tokenSerial = tokenSerial
        self.accountHolder = accountHolder
    }

    /// The body of CONFIRM TRANSFER for this challenge: `70 { 80, 81, 82, 83, [84], 85 }`.
    public var commandData: [UInt8] {
        transfer.commandData(challenge: challenge)
    }

    private enum CodingKeys: String, CodingKey {
        case challenge, transfer, issuedAt, expiresAt, tokenSerial, accountHolder
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func hex(_ key: CodingKeys) throws -> [UInt8]? {
            guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
            guard let bytes = [UInt8](hex: text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "not hex")
            }
            return bytes
        }
        guard let challenge = try hex(.challenge) else {
            throw DecodingError.keyNotFound(CodingKeys.challenge, .init(codingPath: c.codingPath, debugDescription: "no challenge"))
        }
        self.challenge = challenge
        transfer = try c.decode(Transfer.self, forKey: .transfer)
        issuedAt = try BankTime.decode(c, .issuedAt)
        expiresAt = try BankTime.decode(c, .expiresAt)
        tokenSerial = try hex(.tokenSerial)
        accountHolder = try c.decodeIfPresent(String.self, forKey: .accountHolder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(challenge.hexString, forKey: .challenge)
        try c.encode(transfer, forKey: .transfer)
        try c.encode(BankTime.string(issuedAt), forKey: .issuedAt)
        try c.encode(BankTime.string(expiresAt), forKey: .expiresAt)
        try c.encodeIfPresent(tokenSerial?.hexString, forKey: .tokenSerial)
        try c.encodeIfPresent(accountHolder, forKey: .accountHolder)
    }
}
