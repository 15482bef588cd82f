import ISO7816

/// Why a token operation failed, in the terms a banking client acts on.
///
/// The card's status words map here once (``Token``'s status check); transports map their own
/// errors to ``removed``, ``noToken`` or ``transport(_:)``.
public enum TokenError: Error, Hashable, Sendable, CustomStringConvertible {
    /// VERIFY or CHANGE with a wrong PIN; `triesLeft` more are allowed (63Cx).
    case wrongPIN(triesLeft: Int)
    /// The PIN has no tries left (6983).
    case blocked
    /// UNBLOCK (or a PIV PUK change) with a wrong PUK; `triesLeft` more PUK tries are allowed (63Cx).
    case wrongPUK(triesLeft: Int)
    /// The PUK has no tries left (6983 to UNBLOCK): the PIN can no longer be unblocked.
    case pukBlocked
    /// The PIN or PUK is not of the card's format (banking: PIN 6–16 digits, PUK 8–16; PIV: PIN
    /// 6–8 digits, PUK 8): no try was used.
    case invalidPINFormat
    /// CHANGE or UNBLOCK with a new PIN equal to the old one (banking 6900): no try was used, and
    /// the factory PIN cannot be kept this way.
    case newPINSameAsOld
    /// The operation needs a verified PIN (6982 with the factory PIN already changed).
    case pinNotVerified
    /// The token cannot do this until it is personalized: the factory PIN is unchanged, or it
    /// holds no key or no certificate.
    case notPersonalized(NotPersonalizedReason)
    /// A PIV operation that changes the card (GENERATE, PUT DATA) without the management key
    /// (9B) authenticated in this session (6982).
    case managementKeyRequired
    /// The card refused the PIV management key in 9B mutual authentication (6982): the key is
    /// not the card's.
    case wrongManagementKey
    /// The holder pressed Cancel on the token (6985).
    case userDenied
    /// The holder did not decide before the token's timeout (6401).
    case timedOut
    /// The token was removed before or during the operation.
    case removed
    /// No reader holds a UKey token.
    case noToken
    /// `--reader` names no reader: an index out of range, or text no reader's name contains.
    /// `readers` are pcscd's, in its order (their indices).
    case noSuchReader(String, readers: [String])
    /// The card refused the input (6A80, 6700): `detail` says which input.
    case invalidInput(String)
    /// The token was made by UKey firmware 1.x, whose one banking key answered SIGN, DECIPHER and
    /// CONFIRM TRANSFER alike; its banking applet refuses SELECT (6283) and it must be
    /// re-personalized as a new token.
    case outdatedToken
    /// The card answered a status word this operation does not expect.
    case unexpectedStatus(StatusWord, operation: String)
    /// The card's answer is not what the banking applet sends.
    case malformedResponse(String)
    /// PC/SC, the driver or the emulator failed below the APDU level.
    case transport(String)
    /// The holder pressed Cancel on the token's keypad (PIN pad response 6401).
    case pinEntryCancelled
    /// Nobody typed the PIN on the token's keypad in time (PIN pad response 6400).
    case pinEntryTimedOut
    /// The reader has no PIN pad for `--on-token`.
    case noPINPad
    /// A VERIFY, CHANGE, UNBLOCK or SET PIN-ENTRY POLICY carrying a PIN or PUK from the computer,
    /// refused by a token whose policy is `pin-entry keypad-only` (6985 to a PIN command, no try
    /// used): the PIN must be typed on the token's keypad. Not the holder's Cancel
    /// (``userDenied``, CONFIRM TRANSFER's 6985).
    case pinEntryKeypadOnly

    public enum NotPersonalizedReason: Hashable, Sendable, CustomStringConvertible {
        case factoryPIN
        /// The PIV slot holds no key (6A88).
        case noKey
        /// The banking applet holds no key pair for this purpose (6A88).
        case noBankingKey(TokenKey)
        /// The token holds no certificate (for this key).
        case noCertificate

        public var description: String {
            switch self {
            case .factoryPIN: return "the factory PIN has not been changed"
            case .noKey: return "the token holds no key"
            case .noBankingKey(let key): return "the token holds no \(key.rawValue) key"
            case .noCertificate: return "the token holds no certificate"
            }
        }
    }

    public var description: String {
        switch self {
        case .wrongPIN(let tries): return "wrong PIN: \(tries) \(tries == 1 ? "try" : "tries") left"
        case .blocked: return "the PIN is blocked: unblock it with the PUK"
        case .wrongPUK(let tries): return "wrong PUK: \(tries) \(tries == 1 ? "try" : "tries") left"
        case .pukBlocked: return "the PUK is blocked: the PIN can no longer be unblocked"
        case .invalidPINFormat: return "a PIN is 6–16 digits and a PUK 8–16 digits; no try was used"
        case .newPINSameAsOld: return "the new PIN must differ from the old one; no try was used"
        case .pinNotVerified: return "the PIN must be verified first"
        case .managementKeyRequired: return "this PIV operation needs the management key (9B) authenticated first"
        case .wrongManagementKey: return "the token refused the PIV management key"
        case .notPersonalized(let reason): return "the token is not personalized: \(reason)"
        case .userDenied: return "the holder refused the transfer on the token"
        case .timedOut: return "the holder did not confirm on the token in time"
        case .removed: return "the token was removed"
        case .noToken: return "no UKey token found: insert one (or start an emulator)"
        case .noSuchReader(let selector, let readers):
            let what = Int(selector) != nil ? "no reader has index \(selector)" : "no reader name contains \"\(selector)\""
            guard !readers.isEmpty else { return "\(what): pcscd lists no readers" }
            let list = readers.enumerated().map { "\($0.offset): \($0.element)" }.joined(separator: "; ")
            return "\(what); the readers are \(list)"
        case .invalidInput(let detail): return "the token refused the input: \(detail)"
        case .outdatedToken:
            return "the token was made by UKey firmware 1.x (one key for SIGN, DECIPHER and transfers): re-personalize it as a new token"
        case .unexpectedStatus(let status, let operation):
            return "\(operation): the token answered \(hexWord(status.rawValue)) (\(status.meaning))"
        case .malformedResponse(let detail): return "malformed answer from the token: \(detail)"
        case .transport(let detail): return "cannot reach the token: \(detail)"
        case .pinEntryCancelled: return "the holder cancelled the PIN entry on the token"
        case .pinEntryTimedOut: return "nobody typed the PIN on the token in time"
        case .noPINPad: return "the reader has no PIN pad: the PIN cannot be typed on the token"
        case .pinEntryKeypadOnly: return "this token takes its PIN on its own keypad only: use --on-token"
        }
    }

    /// This error as the answer to a PUK check: the card's 63Cx and 6983 count the PUK's tries,
    /// not the PIN's. Other errors are unchanged.
    public var forPUK: TokenError {
        switch self {
        case .wrongPIN(let tries): return .wrongPUK(triesLeft: tries)
        case .blocked: return .pukBlocked
        default: return self
        }
    }

    /// A stable name for JSON output and scripts: `wrongPIN`, `userDenied`, …
    public var code: String {
        switch self {
        case .wrongPIN: return "wrongPIN"
        case .blocked: return "blocked"
        case .wrongPUK: return "wrongPUK"
        case .pukBlocked: return "pukBlocked"
        case .invalidPINFormat: return "invalidPINFormat"
        case .newPINSameAsOld: return "newPINSameAsOld"
        case .pinNotVerified: return "pinNotVerified"
        case .managementKeyRequired: return "managementKeyRequired"
        case .wrongManagementKey: return "wrongManagementKey"
        case .notPersonalized: return "notPersonalized"
        case .userDenied: return "userDenied"
        case .timedOut: return "timedOut"
        case .removed: return "removed"
        case .noToken: return "noToken"
        case .noSuchReader: return "noSuchReader"
        case .invalidInput: return "invalidInput"
        case .outdatedToken: return "outdatedToken"
        case .unexpectedStatus: return "unexpectedStatus"
        case .malformedResponse: return "malformedResponse"
        case .transport: return "transport"
        case .pinEntryCancelled: return "pinEntryCancelled"
        case .pinEntryTimedOut: return "pinEntryTimedOut"
        case .noPINPad: return "noPINPad"
        case .pinEntryKeypadOnly: return "pinEntryKeypadOnly"
        }
    }
}

