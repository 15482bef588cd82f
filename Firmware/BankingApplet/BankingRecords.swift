import CardOS
import ISO7816
import BankingProtocol

/// The banking applet's NVM records (owner byte 01).
///
/// Records `0103` and `0104` held firmware 1.x's single key and its certificate. That key
/// answered SIGN, DECIPHER (a padding oracle) and CONFIRM TRANSFER alike, so this firmware never
/// reads them: a token without ``layout`` is refused as made by an earlier version
/// (``BankingApplet/isOutdated``), and its old key is never migrated into the transfer key.
enum BankingRecords {
    /// The record layout, `[02]`: three keys. Written at manufacture; absent on 1.x tokens.
    static let layout: RecordID = 0x0100
    static let currentLayout: [UInt8] = [0x02]
    static let pin: RecordID = 0x0101
    static let puk: RecordID = 0x0102
    /// The transfer counter, 4 bytes big-endian: DTBS tag 87, advanced by CONFIRM TRANSFER only.
    static let transferCounter: RecordID = 0x0105
    /// The authentication counter, 4 bytes big-endian: advanced by SIGN and INTERNAL AUTHENTICATE.
    static let authenticationCounter: RecordID = 0x0106
    /// The PIN-entry policy, one ``PINEntryPolicy`` byte; absent on tokens made before it: both.
    static let pinEntryPolicy: RecordID = 0x0107

    /// The key pair of `key`: a `KeyRecord` with a ``KeyAlgorithm`` byte (`0110`–`0112`).
    static func key(_ key: BankingKey) -> RecordID { 0x0110 + RecordID(key.rawValue - 1) }
    /// The DER certificate of `key` (`0120`–`0122`).
    static func certificate(_ key: BankingKey) -> RecordID { 0x0120 + RecordID(key.rawValue - 1) }
}

/// The banking applet's three key pairs, each generated on the card for one purpose only (the
/// key reference in GENERATE / READ PUBLIC KEY `00 47 80|81 kk`, and the low nibble of the
/// certificate's P2 `1k`). Which command uses which key, and why none can make what another
/// key's verifier accepts: docs/ARCHITECTURE.md, "Three keys, one purpose each".
public enum BankingKey: UInt8, CaseIterable, Sendable {
    /// Signs only what the card built itself: a transfer the holder approved on the device
    /// (CONFIRM TRANSFER, a DTBS starting `70`), or a certification request for this key
    /// (`80 50`, a CertificationRequestInfo starting `30`).
    case transfer = 0x01
    /// SIGN of any DigestInfo and INTERNAL AUTHENTICATE: logging in, signing documents.
    case authentication = 0x02
    /// DECIPHER only.
    case decryption = 0x03

    /// The key a certificate P1P2 `01 1k` names.
    init?(certificateP1P2 p1p2: UInt16) {
        guard p1p2 & 0xFFF0 == BankingWire.P1P2.certificate(0), let key = BankingKey(rawValue: UInt8(p1p2 & 0x000F)) else { return nil }
        self = key
    }
}

/// The key algorithms GENERATE KEY offers (`80 01 algo`).
enum KeyAlgorithm: UInt8 {
    case rsa1024 = 0x01
    case rsa2048 = 0x02

    var bits: Int { self == .rsa1024 ? 1024 : 2048 }
}
