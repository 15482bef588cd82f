import ISO7816

/// JSON form (the schema `ukey transfer sign` writes and `ukey transfer verify` reads):
///
///     { "transfer": { "payeeAccount": …, "payeeName": …, "amount": …, "currency": …, "reference": … },
///       "challenge": "HEX", "tokenSerial": "HEX", "counter": 7,
///       "dtbs": "HEX", "signature": "HEX", "certificate": "HEX (DER)" }
///
/// Decoding trusts only `dtbs`, `signature` and `certificate`: the other fields are re-read from
/// the DTBS and must equal what the file says, so an edited copy is refused here already.
extension SignedTransfer: Codable {
    private enum CodingKeys: String, CodingKey {
        case transfer, challenge, tokenSerial, counter, dtbs, signature, certificate
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func bytes(_ key: CodingKeys) throws -> [UInt8] {
            let text = try container.decode(String.self, forKey: key)
            guard let value = [UInt8](hex: text) else {
                throw SignedTransferError.malformedJSON("\(key.stringValue) is not hex")
            }
            return value
        }
        try self.init(dtbs: bytes(.dtbs), signature: bytes(.signature), certificate: bytes(.certificate))
        guard try container.decode(Transfer.self, forKey: .transfer) == transfer,
              try bytes(.challenge) == challenge, try bytes(.tokenSerial) == tokenSerial,
              try container.decode(UInt32.self, forKey: .counter) == counter
        else { throw SignedTransferError.malformedJSON("transfer, challenge, tokenSerial or counter differ from the signed DTBS") }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(transfer, forKey: .transfer)
        try container.encode(challenge.hexString, forKey: .challenge)
        try container.encode(tokenSerial.hexString, forKey: .tokenSerial)
        try container.encode(counter, forKey: .counter)
        try container.encode(dtbs.hexString, forKey: .dtbs)
        try container.encode(signature.hexString, forKey: .signature)
        try container.encode(certificate.hexString, forKey: .certificate)
    }
}
