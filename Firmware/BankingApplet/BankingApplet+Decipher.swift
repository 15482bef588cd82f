import CardOS
import ISO7816

extension BankingApplet {
    /// DECIPHER `00 2A 80 86 00‖cryptogram Le` (ISO/IEC 7816-8 PERFORM SECURITY OPERATION, the
    /// padding-indicator byte 00 and an RSAES-PKCS1-v1_5 cryptogram of exactly k bytes).
    ///
    /// Le is required and is the expected plaintext length Ne, 1…k − 11. The answer is always
    /// exactly Ne bytes and 9000: the plaintext when the padding is valid and the plaintext is Ne
    /// bytes long, otherwise a pseudo-random message that the key and the cryptogram determine
    /// (the engine's implicit rejection, ``CryptoEngine/decryptPKCS1(key:ciphertext:plaintextLength:)``).
    /// Every status word here is decided from public values only (the indicator byte, Nc, Ne and
    /// k), never from the padding: DECIPHER is no Bleichenbacher padding oracle. It advances no
    /// counter. The caller has checked the PIN and found the key.
    func decipher(_ command: CommandAPDU, with key: KeyRecord) throws(StatusWord) -> [UInt8] {
        let size = key.modulus.count
        guard command.data.first == 0x00 else { throw .wrongData }
        guard command.data.count - 1 == size else { throw .wrongLength }
        guard let expected = command.ne, size > 11, (1...(size - 11)).contains(expected) else { throw .wrongLength }
        do {
            return try platform.crypto.decryptPKCS1(key: key.blob, ciphertext: Array(command.data.dropFirst()),
                                                    plaintextLength: expected)
        } catch {
            throw .noPreciseDiagnosis      // the engine itself failed; never a padding verdict
        }
    }
}
