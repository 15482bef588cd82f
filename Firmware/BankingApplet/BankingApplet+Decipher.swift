import CardOS
import ISO7816

extension BankingApplet {
    /// DECIPHER `00 2A 80 86` (ISO/IEC 7816-8 PERFORM SECURITY OPERATION) of an RSAES-PKCS1-v1_5
    /// cryptogram of exactly k bytes, after the padding-indicator byte 00. The expected plaintext
    /// length Ne, 1…k − 11, comes in one of two forms:
    ///
    /// - `00‖cryptogram‖Ne` (Nc = k + 2): Ne is the last data byte; Le is optional and, when
    ///   present, must equal it. This form reaches the card whole at T=0, where a case 4 command
    ///   goes out as case 3 and the card never sees Le.
    /// - `00‖cryptogram` with Le = Ne (Nc = k + 1; Le required).
    ///
    /// The answer is always exactly Ne bytes and 9000: the plaintext when the padding is valid and
    /// the plaintext is Ne bytes long, otherwise a pseudo-random message that the key and the
    /// cryptogram determine (the engine's implicit rejection,
    /// ``CryptoEngine/decryptPKCS1(key:ciphertext:plaintextLength:)``). Ne is fixed by the command
    /// before anything is decrypted, and every status word here is decided from public values
    /// only (the indicator byte, Nc, Ne, Le and k), never from the padding: DECIPHER is no
    /// Bleichenbacher padding oracle. It advances no counter. The caller has checked the PIN and
    /// found the key.
    func decipher(_ command: CommandAPDU, with key: KeyRecord) throws(StatusWord) -> [UInt8] {
        let size = key.modulus.count
        let data = command.data
        guard data.first == 0x00 else { throw .wrongData }
        let expected: Int
        switch data.count {
        case size + 1:
            guard let le = command.ne else { throw .wrongLength }
            expected = le
        case size + 2:
            expected = Int(data[size + 1])
            guard command.ne == nil || command.ne == expected else { throw .wrongLength }
        default:
            throw .wrongLength
        }
        guard size > 11, (1...(size - 11)).contains(expected) else { throw .wrongLength }
        do {
            return try platform.crypto.decryptPKCS1(key: key.blob, ciphertext: Array(data[1...size]),
                                                    plaintextLength: expected)
        } catch {
            throw .noPreciseDiagnosis      // the engine itself failed; never a padding verdict
        }
    }
}
