import ISO7816

/// The APDUs of the script's named steps, built with `CommandAPDU` from the keys the token holds.
extension AppletSession {
    /// The pool key that is banking key `key` now (the first pool key when there is none).
    func poolKey(_ key: UInt8) -> PoolKey {
        let index = Int(key) - 1
        guard publicKeys.indices.contains(index) else { return PoolKey.all[0] }
        return PoolKey.key(modulus: publicKeys[index].modulus) ?? PoolKey.all[0]
    }

    /// PUT CERTIFICATE `00 DA 01 1k` (k = `slot`) of the certificate of key `of`.
    func certificateAPDUs(chained: Bool, slot: UInt8, of: UInt8) -> [[UInt8]] {
        let certificate = poolKey(of).certificate
        let p2 = 0x10 | slot
        guard chained else {
            return [try! CommandAPDU(cla: 0x00, ins: 0xDA, p1: 0x01, p2: p2, data: certificate, extended: true).bytes]
        }
        return stride(from: 0, to: certificate.count, by: 255).map { start in
            let end = min(certificate.count, start + 255)
            return try! CommandAPDU(cla: end < certificate.count ? 0x10 : 0x00, ins: 0xDA, p1: 0x01, p2: p2,
                                    data: Array(certificate[start..<end])).bytes
        }
    }

    /// DECIPHER `00 2A 80 86 00‖cryptogram Le` of a cryptogram for key `key`, Ne the plaintext's length.
    func decipherAPDU(plaintextCount: Int, key: UInt8) -> [UInt8] {
        let cryptogram = poolKey(key).encrypt([UInt8](repeating: 0x5A, count: plaintextCount))
        return try! CommandAPDU(cla: 0x00, ins: 0x2A, p1: 0x80, p2: 0x86, data: [0x00] + cryptogram, ne: plaintextCount).bytes
    }

    /// DECIPHER `00 2A 80 86 00‖cryptogram‖Ne [Le]`: Ne in the data, Le = Ne only `withLe`.
    func decipherAPDU(plaintextCount: Int, key: UInt8, withLe: Bool) -> [UInt8] {
        let cryptogram = poolKey(key).encrypt([UInt8](repeating: 0x5A, count: plaintextCount))
        return try! CommandAPDU(cla: 0x00, ins: 0x2A, p1: 0x80, p2: 0x86, data: [0x00] + cryptogram + [UInt8(plaintextCount)],
                                ne: withLe ? plaintextCount : nil).bytes
    }

    static func generateAPDU(p1: UInt8, p2: UInt8, algorithm: UInt8) -> [UInt8] {
        try! CommandAPDU(cla: 0x00, ins: 0x47, p1: p1, p2: p2, data: [0x80, 0x01, algorithm], ne: 65_536).bytes
    }

    /// The card-built request `80 50 00 kk` for a subject, one byte XORed with `mutation`.
    static func requestAPDU(key: UInt8, subject: Int, mutation: UInt8, position: UInt8) -> [UInt8] {
        var name = AppletSeeds.subjects[subject % AppletSeeds.subjects.count]
        name[Int(position) % name.count] ^= mutation
        return try! CommandAPDU(cla: 0x80, ins: 0x50, p1: 0x00, p2: key, data: name, ne: 65_536).bytes
    }

    /// SIGN of a SHA-1 (bit 0) or SHA-256 DigestInfo whose digest repeats `operand`.
    static func signAPDU(_ operand: UInt8) -> [UInt8] {
        let digestInfo = operand & 1 != 0
            ? [0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A, 0x05, 0x00, 0x04, 0x14]
                + [UInt8](repeating: operand, count: 20)
            : [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20]
                + [UInt8](repeating: operand, count: 32)
        return try! CommandAPDU(cla: 0x00, ins: 0x2A, p1: 0x9E, p2: 0x9A, data: digestInfo, ne: 256).bytes
    }

    /// INTERNAL AUTHENTICATE of `length` bytes that begin like a DTBS (`70 len`).
    static func internalAuthenticateAPDU(length: Int) -> [UInt8] {
        let challenge = Array(([0x70, UInt8(max(0, length - 2))] + [UInt8](repeating: 0x87, count: length)).prefix(length))
        return try! CommandAPDU(cla: 0x00, ins: 0x88, p1: 0x00, p2: 0x00, data: challenge, ne: 256).bytes
    }
}
