import Foundation

/// Time-based (RFC 6238) or counter-based (RFC 4226) one-time passwords.
public enum OTPKind: String, Codable, Sendable, Hashable, CaseIterable {
    case totp
    case hotp
}

/// The HMAC of an OATH credential.
public enum OTPAlgorithm: String, Codable, Sendable, Hashable, CaseIterable {
    case sha1 = "SHA1"
    case sha256 = "SHA256"
    case sha512 = "SHA512"
}

/// A holder's OATH credential as the bank enrolls it (the same parameters the token's OATH applet
/// holds). The secret is only in memory here: the store keeps it sealed (``OTPSealingKey``).
public struct OTPEnrollment: Sendable {
    /// The account holder the credential belongs to.
    public var holder: String
    /// The credential's name, unique per holder.
    public var name: String
    public var kind: OTPKind
    public var algorithm: OTPAlgorithm
    /// 6, 7 or 8.
    public var digits: Int
    /// The TOTP time step in seconds (ignored for HOTP).
    public var period: Int
    /// The HOTP counter of the next code (ignored for TOTP).
    public var counter: UInt64
    /// The raw HMAC key.
    public var secret: [UInt8]

    public init(holder: String, name: String, kind: OTPKind = .totp, algorithm: OTPAlgorithm = .sha1, digits: Int = 6,
                period: Int = 30, counter: UInt64 = 0, secret: [UInt8]) {
        self.holder = holder
        self.name = name
        self.kind = kind
        self.algorithm = algorithm
        self.digits = digits
        self.period = period
        self.counter = counter
        self.secret = secret
    }

    /// Checks the parameters; the message names the field at fault (the secret's value never).
    public func validate() throws(OTPInputError) {
        if holder.isEmpty || holder.utf8.count > 256 { throw OTPInputError(field: "holder", "holder must be 1–256 bytes") }
        if name.isEmpty || name.utf8.count > 256 { throw OTPInputError(field: "name", "name must be 1–256 bytes") }
        if !(6...8).contains(digits) { throw OTPInputError(field: "digits", "digits must be 6, 7 or 8") }
        if kind == .totp, !(1...3600).contains(period) { throw OTPInputError(field: "period", "period must be 1–3600 seconds") }
        if counter > UInt64(Int64.max) { throw OTPInputError(field: "counter", "counter is too large") }
        if secret.count < 10 || secret.count > 128 { throw OTPInputError(field: "secret", "the secret must be 10–128 bytes") }
    }
}

/// Bad enrollment or verification input: which field, and why (never a secret's value).
public struct OTPInputError: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var description: String
    public init(field: String, _ description: String) {
        self.field = field
        self.description = description
    }
}

/// What the bank says about one dynamic password.
public enum OTPVerdict: Sendable, Hashable, Codable {
    case accepted
    case rejected(OTPRejection)

    public var rejection: OTPRejection? {
        if case .rejected(let rejection) = self { return rejection }
        return nil
    }

    private enum CodingKeys: String, CodingKey { case accepted, rejection }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rejection == nil, forKey: .accepted)
        try c.encodeIfPresent(rejection, forKey: .rejection)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if try c.decode(Bool.self, forKey: .accepted) { self = .accepted } else {
            self = .rejected(try c.decode(OTPRejection.self, forKey: .rejection))
        }
    }
}

/// Why a dynamic password was refused.
public enum OTPRejection: String, Sendable, Hashable, Codable, CaseIterable {
    /// The bank has no such credential for the holder.
    case unknownCredential
    /// The code matches no step in the window (TOTP) or no counter in the look-ahead (HOTP).
    case wrongCode
    /// A TOTP code of a step at or before the last one accepted: each code is accepted once.
    case codeReused
    /// Too many consecutive failures: refused without looking at the code until an admin unlocks it.
    case lockedOut
}
