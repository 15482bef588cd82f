import CardOS
import ISO7816
import PIVProtocol

/// The PIV applet's NVM records (owner byte 02).
public enum PIVRecords {
    static let pin: RecordID = 0x0201
    static let puk: RecordID = 0x0202
    /// The 24-byte 3DES management key (9B).
    static let managementKey: RecordID = 0x0203

    /// A slot's key pair: a `KeyRecord` with a ``PIVAlgorithm`` RSA byte.
    static func key(_ slot: PIVSlot) -> RecordID { 0x0210 + slot.index }
    /// A slot's certificate object: the value of its `53` object (`70 DER, 71 00, FE 00`).
    static func certificate(_ slot: PIVSlot) -> RecordID { 0x0220 + slot.index }

    /// Whether `memory` holds the PIV applet's secrets (a token made before the applet existed
    /// gets them at its next start).
    public static func areInstalled(in memory: some NonVolatileMemory) -> Bool {
        memory.read(pin) != nil && memory.read(puk) != nil && memory.read(managementKey)?.count == 24
    }
}

/// The PIV algorithm identifiers (SP 800-78-4, table 6-2) the applet supports.
public enum PIVAlgorithm: UInt8, Sendable {
    /// 3-key Triple DES, ECB: the management key. P1 00 is its older alias.
    case tripleDES = 0x03
    case rsa1024 = 0x06
    case rsa2048 = 0x07

    /// The RSA key size, `nil` for 3DES.
    public var rsaBits: Int? {
        switch self {
        case .rsa1024: return 1024
        case .rsa2048: return 2048
        case .tripleDES: return nil
        }
    }
}

extension PIVSlot {
    /// 0–3: the slot's position in the NVM record numbers.
    var index: UInt16 {
        switch self {
        case .authentication: return 0
        case .signature: return 1
        case .keyManagement: return 2
        case .cardAuthentication: return 3
        }
    }
}
