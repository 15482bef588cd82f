import OATHProtocol

/// HOTP (RFC 4226, a counter) or TOTP (RFC 6238, the time).
public enum OATHKind: String, Sendable, Codable, CaseIterable {
    case totp
    case hotp

    var wire: OATHWire.Kind { self == .totp ? .totp : .hotp }
}

/// The HMAC hash of a credential.
public enum OATHAlgorithm: String, Sendable, Codable, CaseIterable {
    case sha1 = "SHA1"
    case sha256 = "SHA256"
    case sha512 = "SHA512"

    var wire: OATHWire.Algorithm {
        switch self {
        case .sha1: return .sha1
        case .sha256: return .sha256
        case .sha512: return .sha512
        }
    }
}

/// An account on the token's OATH applet, as LIST shows it (never its secret). The card knows
/// only `id`: `[PERIOD/][ISSUER:]NAME`, the spelling ykman uses, so both see the same accounts.
public struct OATHAccount: Sendable, Hashable, Codable {
    /// The credential name on the card.
    public let id: String
    public let issuer: String?
    public let name: String
    public let kind: OATHKind
    /// TOTP's step in seconds (30 unless the id says otherwise); 0 for HOTP.
    public let period: Int

    /// Splits a card id as ykman does: TOTP `PERIOD/ISSUER:NAME`, HOTP `ISSUER:NAME`.
    public init(id: String, kind: OATHKind) {
        self.id = id
        self.kind = kind
        var rest = Substring(id)
        var period = kind == .totp ? 30 : 0
        if kind == .totp, let slash = rest.firstIndex(of: "/"), let value = Int(rest[..<slash]), value > 0,
           rest[..<slash].allSatisfy(\.isASCII) {
            period = value
            rest = rest[rest.index(after: slash)...]
        }
        if let colon = rest.firstIndex(of: ":") {
            issuer = String(rest[..<colon])
            name = String(rest[rest.index(after: colon)...])
        } else {
            issuer = nil
            name = String(rest)
        }
        self.period = period
    }

    /// The card id for a new account.
    static func id(name: String, issuer: String?, kind: OATHKind, period: Int) -> String {
        var id = kind == .totp && period != 30 ? "\(period)/" : ""
        if let issuer, !issuer.isEmpty { id += issuer + ":" }
        return id + name
    }
}

/// A new account: its parameters and its secret (the raw key, e.g. a decoded base32 string).
public struct OATHNewAccount: Sendable {
    public var name: String
    public var issuer: String?
    public var kind: OATHKind
    public var algorithm: OATHAlgorithm
    public var digits: Int
    public var period: Int
    public var counter: UInt32
    public var requiresTouch: Bool
    public var secret: Secret

    public init(name: String, issuer: String? = nil, kind: OATHKind = .totp, algorithm: OATHAlgorithm = .sha1, digits: Int = 6,
                period: Int = 30, counter: UInt32 = 0, requiresTouch: Bool = false, secret: Secret) {
        self.name = name
        self.issuer = issuer
        self.kind = kind
        self.algorithm = algorithm
        self.digits = digits
        self.period = period
        self.counter = counter
        self.requiresTouch = requiresTouch
        self.secret = secret
    }

    public var id: String { OATHAccount.id(name: name, issuer: issuer, kind: kind, period: period) }
}

/// One account's code, or why there is none yet (HOTP and touch accounts are calculated only
/// when asked for alone, as ykman does).
public struct OATHCode: Sendable, Hashable, Codable {
    public let account: OATHAccount
    /// The code; `nil` when ``touchRequired`` or an HOTP account was not asked for alone.
    public let code: String?
    public let touchRequired: Bool
    /// The TOTP step's bounds in Unix seconds; for HOTP `validFrom` is the time asked, `validTo` nil.
    public let validFrom: UInt64?
    public let validTo: UInt64?
}

/// SELECT's answer.
public struct OATHInfo: Sendable, Hashable, Codable {
    /// The applet version (tag 79).
    public let version: String
    /// Whether an access key (password) is set.
    public let passwordSet: Bool
    /// ykman's device id: base64 of the first 16 bytes of SHA-256(salt), unpadded.
    public let deviceID: String
}
