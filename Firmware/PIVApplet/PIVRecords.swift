import CardOS
import ISO7816

/// The PIV applet's NVM records (owner byte 02).
public enum PIVRecords {
    static let pin: RecordID = 0x0201
    static let puk: RecordID = 0x0202
    /// The 24-byte 3DES management key (9B).
    static let managementKey: RecordID = 0x0203

    /// A slot's key pair: ``PIVKey``.
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
    var rsaBits: Int? {
        switch self {
        case .rsa1024: return 1024
        case .rsa2048: return 2048
        case .tripleDES: return nil
        }
    }
}

/// A slot's key as stored in NVM: `A0 { 80 algorithm, 81 n, 82 e, 83 engine blob }`.
struct PIVKey {
    var algorithm: PIVAlgorithm
    var modulus: [UInt8]
    var exponent: [UInt8]
    /// The crypto engine's opaque private-key blob. Never leaves the card.
    var blob: [UInt8]

    init(algorithm: PIVAlgorithm, key: GeneratedKey) {
        self.algorithm = algorithm
        modulus = key.modulus
        exponent = key.exponent
        blob = key.blob
    }

    init?(bytes: [UInt8]) {
        guard let record = try? TLV(parsing: bytes), record.tag == 0xA0,
              let fields = try? TLV.sequence(parsing: record.value),
              let algorithmField = fields.first(0x80), algorithmField.value.count == 1,
              let algorithm = PIVAlgorithm(rawValue: algorithmField.value[0]), algorithm.rsaBits != nil,
              let n = fields.first(0x81), let e = fields.first(0x82), let blob = fields.first(0x83)
        else { return nil }
        self.algorithm = algorithm
        modulus = n.value
        exponent = e.value
        self.blob = blob.value
    }

    var bytes: [UInt8] {
        TLV(tag: 0xA0, children: [
            TLV(tag: 0x80, value: [algorithm.rawValue]),
            TLV(tag: 0x81, value: modulus),
            TLV(tag: 0x82, value: exponent),
            TLV(tag: 0x83, value: blob),
        ]).bytes
    }

    /// The public key as GENERATE answers it: `7F49 {81 n, 82 e}`.
    var publicKeyObject: [UInt8] {
        TLV(tag: 0x7F49, children: [TLV(tag: 0x81, value: modulus), TLV(tag: 0x82, value: exponent)]).bytes
    }
}
