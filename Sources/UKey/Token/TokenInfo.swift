import ISO7816
import BankingProtocol

/// What GET DATA token info (`00 CA 01 00`) says about a token:
///
///     C0 serial (8), C1 firmware version (2), C2 transfer key, C3 PIN tries left, C4 PUK tries
///     left, C5 transfer counter (4, big-endian), C6 display (lines, columns), C7 PIN must change,
///     C8 authentication key, C9 decryption key, CA authentication counter (4, big-endian),
///     CB PIN-entry policy (absent on tokens made before it: both)
public struct TokenInfo: Codable, Hashable, Sendable {
    /// The token's serial number in upper-case hex (16 digits).
    public let serial: String
    /// Firmware version, `major.minor`.
    public let firmwareVersion: String
    /// The key that signs transfers (and only transfers).
    public let transferKey: KeyState
    /// The key of SIGN and INTERNAL AUTHENTICATE.
    public let authenticationKey: KeyState
    /// The key of DECIPHER.
    public let decryptionKey: KeyState
    public let pinTriesLeft: Int
    public let pukTriesLeft: Int
    /// Transfers the token has signed (the last DTBS counter, tag 87): only CONFIRM TRANSFER moves it.
    public let transferCounter: UInt32
    /// Signatures of the authentication key (SIGN, INTERNAL AUTHENTICATE).
    public let authenticationCounter: UInt32
    public let displayLines: Int
    public let displayColumns: Int
    /// The factory PIN is still set: change it before the token signs anything.
    public let pinMustChange: Bool
    /// Where the PIN may be typed: the token's policy `pin-entry`.
    public let pinEntry: PINEntryPolicy

    /// The token policy `pin-entry`.
    public enum PINEntryPolicy: String, Codable, Hashable, Sendable {
        /// On the computer or on the token's keypad.
        case both
        /// Only on the token's keypad: VERIFY, CHANGE and UNBLOCK from the computer answer 6985.
        case keypadOnly = "keypad-only"

        /// The text `ukey token info` shows.
        public var text: String { self == .both ? "keypad or computer" : "keypad only" }
    }

    /// A key pair the token holds, or none.
    public enum KeyState: String, Codable, Hashable, Sendable {
        case none
        case rsa1024 = "RSA-1024"
        case rsa2048 = "RSA-2048"

        init(_ byte: UInt8) throws(TokenError) {
            switch byte {
            case 0x00: self = .none
            case 0x01: self = .rsa1024
            case 0x02: self = .rsa2048
            case let other: throw .malformedResponse("unknown key state \(hexByte(other))")
            }
        }
    }

    /// The state of `key`.
    public func state(of key: TokenKey) -> KeyState {
        switch key {
        case .transfer: return transferKey
        case .authentication: return authenticationKey
        case .decryption: return decryptionKey
        }
    }

    public init(parsing data: [UInt8]) throws(TokenError) {
        guard let objects = try? TLV.sequence(parsing: data) else { throw .malformedResponse("token info is not BER-TLV") }
        func value(_ tag: Tag, count: Int) throws(TokenError) -> [UInt8] {
            guard let object = objects.first(where: { $0.tag == tag }), object.value.count == count else {
                throw .malformedResponse("token info has no \(count)-byte \(hexByte(UInt8(tag.rawValue))) field")
            }
            return object.value
        }
        func counter(_ tag: Tag) throws(TokenError) -> UInt32 {
            try value(tag, count: 4).reduce(0) { $0 << 8 | UInt32($1) }
        }
        serial = try value(BankingWire.InfoTag.serial, count: 8).hexString
        let version = try value(BankingWire.InfoTag.version, count: 2)
        firmwareVersion = "\(version[0]).\(version[1])"
        transferKey = try KeyState(try value(BankingWire.InfoTag.transferKeyAlgorithm, count: 1)[0])
        authenticationKey = try KeyState(try value(BankingWire.InfoTag.authenticationKeyAlgorithm, count: 1)[0])
        decryptionKey = try KeyState(try value(BankingWire.InfoTag.decryptionKeyAlgorithm, count: 1)[0])
        pinTriesLeft = Int(try value(BankingWire.InfoTag.pinTriesLeft, count: 1)[0])
        pukTriesLeft = Int(try value(BankingWire.InfoTag.pukTriesLeft, count: 1)[0])
        transferCounter = try counter(BankingWire.InfoTag.transferCounter)
        authenticationCounter = try counter(BankingWire.InfoTag.authenticationCounter)
        let display = try value(BankingWire.InfoTag.display, count: 2)
        displayLines = Int(display[0])
        displayColumns = Int(display[1])
        pinMustChange = try value(BankingWire.InfoTag.pinMustChange, count: 1)[0] != 0
        switch objects.first(where: { $0.tag == BankingWire.InfoTag.pinEntryPolicy })?.value {
        case nil, [0x00]?: pinEntry = .both
        case [0x01]?: pinEntry = .keypadOnly
        default: throw .malformedResponse("unknown PIN-entry policy")
        }
    }
}
