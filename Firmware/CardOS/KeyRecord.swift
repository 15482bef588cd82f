import ISO7816

/// An applet's RSA key pair as it stores it in NVM: `A0 { 80 algorithm, 81 n, 82 e, 83 engine
/// blob }`. The algorithm byte is the applet's own identifier (the banking applet's 01/02, PIV's
/// 06/07); each applet checks it when it reads the record. The blob never leaves the card.
public struct KeyRecord: Sendable {
    public var algorithm: UInt8
    public var modulus: [UInt8]
    public var exponent: [UInt8]
    /// The crypto engine's opaque private-key blob.
    public var blob: [UInt8]

    public init(algorithm: UInt8, key: GeneratedKey) {
        self.algorithm = algorithm
        modulus = key.modulus
        exponent = key.exponent
        blob = key.blob
    }

    public init?(bytes: [UInt8]) {
        guard let record = try? TLV(parsing: bytes), record.tag == 0xA0,
              let fields = try? TLV.sequence(parsing: record.value),
              let algorithmField = fields.first(0x80), algorithmField.value.count == 1,
              let n = fields.first(0x81), let e = fields.first(0x82), let blob = fields.first(0x83)
        else { return nil }
        algorithm = algorithmField.value[0]
        modulus = n.value
        exponent = e.value
        self.blob = blob.value
    }

    public var bytes: [UInt8] {
        TLV(tag: 0xA0, children: [
            TLV(tag: 0x80, value: [algorithm]),
            TLV(tag: 0x81, value: modulus),
            TLV(tag: 0x82, value: exponent),
            TLV(tag: 0x83, value: blob),
        ]).bytes
    }

    /// The public key as GENERATE answers it: `7F49 {81 n, 82 e}`.
    public var publicKeyObject: [UInt8] {
        TLV(tag: 0x7F49, children: [TLV(tag: 0x81, value: modulus), TLV(tag: 0x82, value: exponent)]).bytes
    }
}
