import CardOS
import ISO7816
import OATHProtocol

/// The OATH applet's NVM records (owner byte 03).
public enum OATHRecords {
    /// The access key: its algorithm byte (`21`, TOTP | SHA-1, as ykman sends it), then the key.
    static let accessKey: RecordID = 0x0301
    /// The 8-byte salt SELECT answers as the name (tag 71): ykman derives the access key from
    /// it (PBKDF2) and the device id. New at every RESET.
    static let salt: RecordID = 0x0302
    /// How many credentials the applet holds (a YubiKey 5.7 holds 64).
    public static let capacity = 64
    /// Credential `index` (0 ..< ``capacity``): an ``OATHCredential`` record.
    static func credential(_ index: Int) -> RecordID { 0x0310 + RecordID(index) }
}

/// One credential as the applet stores it: `A1 { 71 name, 73 type|algorithm digits key,
/// 78 properties, 7A counter (8 bytes) }`. The key never leaves the card; the HOTP counter is
/// rewritten in the same record, atomically, before a code is answered.
struct OATHCredential {
    static let maxNameLength = 64
    static let maxKeyLength = 128

    var name: [UInt8]
    var kind: OATHWire.Kind
    var algorithm: OATHWire.Algorithm
    var digits: UInt8
    var requiresTouch: Bool
    var key: [UInt8]
    /// HOTP's moving factor: the counter the next code uses.
    var counter: UInt64

    var hash: HMACHash {
        switch algorithm {
        case .sha1: return .sha1
        case .sha256: return .sha256
        case .sha512: return .sha512
        }
    }

    /// The type byte: type in the high nibble, algorithm in the low one.
    var typeByte: UInt8 { kind.rawValue | algorithm.rawValue }

    init(name: [UInt8], typeByte: UInt8, digits: UInt8, requiresTouch: Bool, key: [UInt8], counter: UInt64)
        throws(StatusWord) {
        guard !name.isEmpty, name.count <= OATHCredential.maxNameLength,
              let kind = OATHWire.Kind(rawValue: typeByte & 0xF0),
              let algorithm = OATHWire.Algorithm(rawValue: typeByte & 0x0F),
              (6...8).contains(digits),
              !key.isEmpty, key.count <= OATHCredential.maxKeyLength
        else { throw .wrongData }
        self.name = name
        self.kind = kind
        self.algorithm = algorithm
        self.digits = digits
        self.requiresTouch = requiresTouch
        self.key = key
        self.counter = counter
    }

    init?(record bytes: [UInt8]) {
        guard let record = try? TLV(parsing: bytes), record.tag == 0xA1,
              let fields = try? TLV.sequence(parsing: record.value),
              let name = fields.first(OATHWire.Tag.name)?.value,
              let key = fields.first(OATHWire.Tag.key)?.value, key.count >= 3,
              let properties = fields.first(0x78)?.value, properties.count == 1,
              let counter = fields.first(OATHWire.Tag.imf)?.value, counter.count == 8,
              let credential = try? OATHCredential(
                name: name, typeByte: key[0], digits: key[1], requiresTouch: properties[0] & OATHWire.requireTouch != 0,
                key: Array(key[2...]), counter: counter.reduce(0) { $0 << 8 | UInt64($1) })
        else { return nil }
        self = credential
    }

    var record: [UInt8] {
        var counterBytes: [UInt8] = []
        for shift in stride(from: 56, through: 0, by: -8) { counterBytes.append(UInt8(truncatingIfNeeded: counter >> UInt64(shift))) }
        return TLV(tag: 0xA1, children: [
            TLV(tag: OATHWire.Tag.name, value: name),
            TLV(tag: OATHWire.Tag.key, value: [typeByte, digits] + key),
            TLV(tag: 0x78, value: [requiresTouch ? OATHWire.requireTouch : 0]),
            TLV(tag: OATHWire.Tag.imf, value: counterBytes),
        ]).bytes
    }
}
