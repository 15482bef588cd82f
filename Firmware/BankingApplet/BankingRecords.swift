import CardOS
import ISO7816

/// The banking applet's NVM records.
enum BankingRecords {
    static let pin: RecordID = 0x0101
    static let puk: RecordID = 0x0102
    /// The key pair: ``StoredKey``.
    static let key: RecordID = 0x0103
    /// The DER certificate.
    static let certificate: RecordID = 0x0104
    /// The signature counter, 4 bytes big-endian.
    static let counter: RecordID = 0x0105
}

/// The applet's key as stored in NVM: `A0 { 80 algorithm, 81 n, 82 e, 83 engine blob }`.
struct StoredKey {
    var algorithm: KeyAlgorithm
    var modulus: [UInt8]
    var exponent: [UInt8]
    /// The crypto engine's opaque private-key blob.
    var blob: [UInt8]

    init(algorithm: KeyAlgorithm, key: GeneratedKey) {
        self.algorithm = algorithm
        modulus = key.modulus
        exponent = key.exponent
        blob = key.blob
    }

    init?(bytes: [UInt8]) {
        guard let record = try? TLV(parsing: bytes), record.tag == 0xA0,
              let fields = try? record.children(),
              let algorithmField = fields.first(0x80), algorithmField.value.count == 1,
              let algorithm = KeyAlgorithm(rawValue: algorithmField.value[0]),
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

    /// The public key as GENERATE and READ PUBLIC KEY answer it: `7F49 {81 n, 82 e}`.
    var publicKeyObject: [UInt8] {
        TLV(tag: 0x7F49, children: [TLV(tag: 0x81, value: modulus), TLV(tag: 0x82, value: exponent)]).bytes
    }
}

/// The key algorithms GENERATE KEY offers (`80 01 algo`).
enum KeyAlgorithm: UInt8 {
    case rsa1024 = 0x01
    case rsa2048 = 0x02

    var bits: Int { self == .rsa1024 ? 1024 : 2048 }
}
