import CardOS
import ISO7816

/// The banking applet's NVM records.
enum BankingRecords {
    static let pin: RecordID = 0x0101
    static let puk: RecordID = 0x0102
    /// The key pair: a `KeyRecord` with a ``KeyAlgorithm`` byte.
    static let key: RecordID = 0x0103
    /// The DER certificate.
    static let certificate: RecordID = 0x0104
    /// The signature counter, 4 bytes big-endian.
    static let counter: RecordID = 0x0105
}

/// The key algorithms GENERATE KEY offers (`80 01 algo`).
enum KeyAlgorithm: UInt8 {
    case rsa1024 = 0x01
    case rsa2048 = 0x02

    var bits: Int { self == .rsa1024 ? 1024 : 2048 }
}
