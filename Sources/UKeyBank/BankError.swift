import UKey
import Foundation

/// Why the bank side could not do its work at all — as opposed to ``TransferRejection``, which
/// is a verdict on one signed transfer. These are set-up and I/O failures: a missing CA
/// certificate, an unreadable policy, a database that cannot be reached or written.
public enum BankError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The bank directory has no trusted CA certificate (`ca-cert.pem`).
    case noTrustedCertificate(path: String)
    /// A certificate or key operation failed.
    case pki(PKIError)
    /// A system call on `path` failed with `errno`.
    case file(path: String, errno: Int32)
    /// `policy.json` or an imported `state.json` is not what the bank wrote.
    case corruptFile(path: String, reason: String)
    /// A policy value is out of range.
    case invalidPolicy(String)
    /// The transfer cannot be put to a token (amount or currency outside the card's grammar).
    case invalidTransfer(String)
    /// The bank's policy refuses the intended transfer outright (a currency it does not list,
    /// too many fraction digits, over the per-transfer limit): no challenge is issued.
    case refusedByPolicy(TransferRejection)
    /// The token (hex serial) is suspended as possibly cloned: no challenge is issued for it
    /// until `ukey transfer unsuspend`.
    case tokenSuspended(serial: String)
    /// `RAND_bytes` failed: no challenge can be made.
    case randomUnavailable
    /// The bank's database failed or cannot be reached (the engine's message, with where it is).
    case database(String)
    /// An OTP credential's parameter is out of range (`field` names it; never the secret's value).
    case invalidOTPCredential(field: String, reason: String)

    public var description: String {
        switch self {
        case .noTrustedCertificate(let path):
            return "\(path): no trusted CA certificate (create one with `ukey ca init --dir` on this directory, or copy the bank's CA certificate there)"
        case .pki(let error): return error.description
        case .file(let path, let code): return "\(path): \(String(cString: strerror(code)))"
        case .corruptFile(let path, let reason): return "\(path): \(reason)"
        case .invalidPolicy(let reason): return "invalid bank policy: \(reason)"
        case .invalidTransfer(let reason): return "invalid transfer: \(reason)"
        case .refusedByPolicy(let rejection): return "the bank's policy refuses this transfer: \(rejection)"
        case .tokenSuspended(let serial): return "token \(serial) is suspended as possibly cloned (`ukey transfer unsuspend` clears it)"
        case .randomUnavailable: return "the random number generator failed (RAND_bytes)"
        case .database(let message): return "bank database: \(message)"
        case .invalidOTPCredential(_, let reason): return "invalid OTP credential: \(reason)"
        }
    }
}
