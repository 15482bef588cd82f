import CardOS
import ISO7816

extension BankingApplet {
    /// GENERATE KEY `00 47 80 01 {80 01 algo}` and READ PUBLIC KEY `00 47 81 01`.
    func asymmetricKeyPair(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        guard command.p2 == 0x01 else { throw .wrongP1P2 }
        switch command.p1 {
        case 0x81:
            guard command.data.isEmpty else { throw .wrongLength }
            return try requireKey().publicKeyObject
        case 0x80:
            guard !command.data.isEmpty else { throw .wrongLength }
            try requirePersonalizedPIN()
            guard let template = try? TLV(parsing: command.data), template.tag == 0x80, template.value.count == 1,
                  let algorithm = KeyAlgorithm(rawValue: template.value[0]) else { throw .wrongData }
            let generated: GeneratedKey
            do {
                generated = try platform.crypto.generateRSAKey(bits: algorithm.bits)
            } catch {
                throw .noPreciseDiagnosis
            }
            let key = KeyRecord(algorithm: algorithm.rawValue, key: generated)
            // The old certificate certifies the old key: both change in one transaction.
            try platform.memory.commitRecords([(BankingRecords.key, key.bytes), (BankingRecords.certificate, nil)])
            return key.publicKeyObject
        default:
            throw .wrongP1P2
        }
    }

    /// PUT CERTIFICATE `00 DA 01 10 DER`: only a certificate for the card's own key.
    func putCertificate(_ der: [UInt8]) throws(StatusWord) -> [UInt8] {
        guard !der.isEmpty else { throw .wrongLength }
        try requirePIN()
        guard der.count <= BankingApplet.maxCertificateSize else { throw .notEnoughMemory }
        let key = try requireKey()
        guard let certified = CertificateKey.rsaPublicKey(in: der),
              certified.modulus == CertificateKey.unsignedMagnitude(key.modulus),
              certified.exponent == CertificateKey.unsignedMagnitude(key.exponent) else { throw .wrongData }
        try platform.memory.commitRecords([(BankingRecords.certificate, der)])
        return []
    }

    /// PERFORM SECURITY OPERATION: SIGN `00 2A 9E 9A DigestInfo`, DECIPHER `00 2A 80 86 00‖cryptogram Le`.
    func performSecurityOperation(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        switch UInt16(command.p1) << 8 | UInt16(command.p2) {
        case 0x9E9A:
            guard !command.data.isEmpty else { throw .wrongLength }
            try requirePersonalizedPIN()
            let key = try requireKey()
            guard DigestInfo.isAccepted(command.data) else { throw .wrongData }
            _ = try advanceCounter()
            return try sign(command.data, with: key)
        case 0x8086:
            guard !command.data.isEmpty else { throw .wrongLength }
            try requirePersonalizedPIN()
            return try decipher(command, with: requireKey())
        default:
            throw .wrongP1P2
        }
    }

    /// INTERNAL AUTHENTICATE `00 88 00 00 challenge`: signs SHA-256(challenge) (bank login).
    func internalAuthenticate(_ challenge: [UInt8]) throws(StatusWord) -> [UInt8] {
        guard (8...64).contains(challenge.count) else { throw .wrongLength }
        try requirePersonalizedPIN()
        let key = try requireKey()
        _ = try advanceCounter()
        return try sign(DigestInfo.sha256(platform.crypto.sha256(challenge)), with: key)
    }

    /// GET CHALLENGE `00 84 00 00 Le`: Ne random bytes, 1–256.
    func getChallenge(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        let count = command.ne ?? 256
        guard command.data.isEmpty, count <= 256 else { throw .wrongLength }
        do {
            return try platform.crypto.randomBytes(count)
        } catch {
            throw .noPreciseDiagnosis
        }
    }
}
