import CardOS
import ISO7816
import BankingProtocol

extension BankingApplet {
    /// GENERATE KEY `00 47 80 kk {80 01 algo}` and READ PUBLIC KEY `00 47 81 kk`, `kk` a
    /// ``BankingKey``. Generating the transfer key waits for the holder's OK on the device: the
    /// key that signs transfers changes only when the holder says so.
    func asymmetricKeyPair(_ command: CommandAPDU) throws(StatusWord) -> AppletReply {
        guard let key = BankingKey(rawValue: command.p2) else { throw .wrongP1P2 }
        switch command.p1 {
        case BankingWire.KeyPairOperation.readPublicKey:
            guard command.data.isEmpty else { throw .wrongLength }
            return .data(try requireKey(key).publicKeyObject)
        case BankingWire.KeyPairOperation.generate:
            guard !command.data.isEmpty else { throw .wrongLength }
            try requirePersonalizedPIN()
            let template: TLV
            do { template = try TLV(parsing: command.data, tag: BankingWire.Algorithm.tag) }
            catch { throw .wrongData }
            guard template.value.count == 1, let algorithm = KeyAlgorithm(rawValue: template.value[0]) else { throw .wrongData }
            guard key == .transfer else { return .data(try generate(key, algorithm)) }
            pending = .transferKeyGeneration(algorithm)
            return .confirm(BankingApplet.transferKeyPages(algorithm))
        default:
            throw .wrongP1P2
        }
    }

    /// What the screen shows before the transfer key is replaced: the new key, and that the old
    /// key and its certificate go (the bank must certify the new one before transfers work).
    static func transferKeyPages(_ algorithm: KeyAlgorithm) -> [Screen] {
        DisplayLayout.pages([["New transfer key", algorithm == .rsa1024 ? ">RSA-1024" : ">RSA-2048"],
                             ["Deletes the old", "key and its cert"], ["OK?"]])
    }

    /// Generates `key` on the card, replacing the old pair and deleting its certificate in the
    /// same transaction (the old certificate certifies the old key).
    func generate(_ key: BankingKey, _ algorithm: KeyAlgorithm) throws(StatusWord) -> [UInt8] {
        let generated: GeneratedKey
        do {
            generated = try platform.crypto.generateRSAKey(bits: algorithm.bits)
        } catch {
            throw .noPreciseDiagnosis
        }
        let record = KeyRecord(algorithm: algorithm.rawValue, key: generated)
        try platform.memory.commitRecords([(BankingRecords.key(key), record.bytes), (BankingRecords.certificate(key), nil)])
        return record.publicKeyObject
    }

    /// PUT CERTIFICATE `00 DA 01 1k DER`: only a certificate for key `k`'s own public key.
    func putCertificate(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        guard let key = BankingKey(certificateP1P2: command.p1p2) else { throw .wrongP1P2 }
        let der = command.data
        guard !der.isEmpty else { throw .wrongLength }
        try requirePIN()
        guard der.count <= BankingApplet.maxCertificateSize else { throw .notEnoughMemory }
        let record = try requireKey(key)
        guard let certified = CertificateKey.rsaPublicKey(in: der),
              certified.modulus == CertificateKey.unsignedMagnitude(record.modulus),
              certified.exponent == CertificateKey.unsignedMagnitude(record.exponent) else { throw .wrongData }
        try platform.memory.commitRecords([(BankingRecords.certificate(key), der)])
        return []
    }
}
