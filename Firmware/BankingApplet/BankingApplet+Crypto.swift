import CardOS
import ISO7816
import BankingProtocol

/// The commands that use the authentication and decryption keys. None of them ever touches the
/// transfer key: the only paths to it are CONFIRM TRANSFER and the card-built request.
extension BankingApplet {
    /// PERFORM SECURITY OPERATION: SIGN `00 2A 9E 9A DigestInfo` with the authentication key,
    /// DECIPHER `00 2A 80 86 00‖cryptogram Le` with the decryption key (``decipher(_:with:)``).
    func performSecurityOperation(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        switch command.p1p2 {
        case BankingWire.P1P2.computeSignature:
            guard !command.data.isEmpty else { throw .wrongLength }
            try requirePersonalizedPIN()
            let key = try requireKey(.authentication)
            guard DigestInfo.isAccepted(command.data) else { throw .wrongData }
            _ = try advance(BankingRecords.authenticationCounter)
            return try sign(command.data, with: key)
        case BankingWire.P1P2.decipher:
            guard !command.data.isEmpty else { throw .wrongLength }
            try requirePersonalizedPIN()
            return try decipher(command, with: requireKey(.decryption))
        default:
            throw .wrongP1P2
        }
    }

    /// INTERNAL AUTHENTICATE `00 88 00 00 challenge`: the authentication key signs
    /// SHA-256(challenge) (bank login).
    func internalAuthenticate(_ challenge: [UInt8]) throws(StatusWord) -> [UInt8] {
        guard (8...64).contains(challenge.count) else { throw .wrongLength }
        try requirePersonalizedPIN()
        let key = try requireKey(.authentication)
        _ = try advance(BankingRecords.authenticationCounter)
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
