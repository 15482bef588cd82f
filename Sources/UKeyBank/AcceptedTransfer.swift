import UKey
import Foundation
import ISO7816

/// What the bank knows about a transfer it accepted (or, from ``TransferVerifier/check(_:)``,
/// would accept).
///
/// JSON form: `{ "transfer": {…}, "amount": "1234.56", "tokenSerial": "HEX", "counter": 3,
/// "challenge": "HEX", "certificateSubject": "CN=…, serialNumber=…", "accountHolder": …,
/// "verifiedAt": "2026-11-23T10:16:02Z", "day": "2026-11-23", "acceptedToday": "1234.56",
/// "baseCurrency": "CNY", "overallToday": "1234.56" }`.
public struct AcceptedTransfer: Hashable, Sendable, Codable {
    /// The transfer as signed (equal to the one the bank intended).
    public let transfer: Transfer
    /// Its amount as an exact decimal.
    public let amount: DecimalAmount
    public let tokenSerial: [UInt8]
    /// The token's signature counter (DTBS tag 87); the bank now expects a higher one.
    public let counter: UInt32
    public let challenge: [UInt8]
    /// The subject of the token's certificate, `CN=…, serialNumber=…`.
    public let certificateSubject: String
    /// The holder the daily limit counted against, when the challenge named one.
    public let accountHolder: String?
    /// The verifier's clock at the check, in whole seconds.
    public let verifiedAt: Date
    /// The UTC day the transfer counts towards, `2026-11-23`.
    public let day: String
    /// The holder's total in this currency for ``day``, this transfer included.
    public let acceptedToday: DecimalAmount
    /// The policy's base currency, in which ``overallToday`` counts.
    public let baseCurrency: String
    /// The holder's total for ``day`` in all currencies, each transfer converted to
    /// ``baseCurrency`` (rounded up), this one included: what ``BankPolicy/dailyLimit`` caps.
    public let overallToday: DecimalAmount

    public init(transfer: Transfer, amount: DecimalAmount, tokenSerial: [UInt8], counter: UInt32, challenge: [UInt8],
                certificateSubject: String, accountHolder: String?, verifiedAt: Date, day: String,
                acceptedToday: DecimalAmount, baseCurrency: String, overallToday: DecimalAmount) {
        self.transfer = transfer
        self.amount = amount
        self.tokenSerial = tokenSerial
        self.counter = counter
        self.challenge = challenge
        self.certificateSubject = certificateSubject
        self.accountHolder = accountHolder
        self.verifiedAt = verifiedAt
        self.day = day
        self.acceptedToday = acceptedToday
        self.baseCurrency = baseCurrency
        self.overallToday = overallToday
    }

    private enum CodingKeys: String, CodingKey {
        case transfer, amount, tokenSerial, counter, challenge, certificateSubject, accountHolder, verifiedAt, day, acceptedToday,
             baseCurrency, overallToday
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func hex(_ key: CodingKeys) throws -> [UInt8] {
            guard let bytes = [UInt8](hex: try c.decode(String.self, forKey: key)) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "not hex")
            }
            return bytes
        }
        transfer = try c.decode(Transfer.self, forKey: .transfer)
        amount = try c.decode(DecimalAmount.self, forKey: .amount)
        tokenSerial = try hex(.tokenSerial)
        counter = try c.decode(UInt32.self, forKey: .counter)
        challenge = try hex(.challenge)
        certificateSubject = try c.decode(String.self, forKey: .certificateSubject)
        accountHolder = try c.decodeIfPresent(String.self, forKey: .accountHolder)
        verifiedAt = try BankTime.decode(c, .verifiedAt)
        day = try c.decode(String.self, forKey: .day)
        acceptedToday = try c.decode(DecimalAmount.self, forKey: .acceptedToday)
        baseCurrency = try c.decode(String.self, forKey: .baseCurrency)
        overallToday = try c.decode(DecimalAmount.self, forKey: .overallToday)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(transfer, forKey: .transfer)
        try c.encode(amount, forKey: .amount)
        try c.encode(tokenSerial.hexString, forKey: .tokenSerial)
        try c.encode(counter, forKey: .counter)
        try c.encode(challenge.hexString, forKey: .challenge)
        try c.encode(certificateSubject, forKey: .certificateSubject)
        try c.encodeIfPresent(accountHolder, forKey: .accountHolder)
        try c.encode(BankTime.string(verifiedAt), forKey: .verifiedAt)
        try c.encode(day, forKey: .day)
        try c.encode(acceptedToday, forKey: .acceptedToday)
        try c.encode(baseCurrency, forKey: .baseCurrency)
        try c.encode(overallToday, forKey: .overallToday)
    }
}
