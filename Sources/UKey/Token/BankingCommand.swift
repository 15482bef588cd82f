import ISO7816
import BankingProtocol

/// One command of the banking applet (docs/ARCHITECTURE.md, "The banking applet"), built here so
/// that no byte array is hand-filled in the middle of the token's logic.
///
/// ``apdus`` encodes it in short form, as every reader and PC/SC stack accepts: data longer than
/// 255 bytes goes out as a command chain (CLA bit 0x10 on every part but the last), and a command
/// that returns data carries Le = 00 (up to 256 bytes; the card announces more with 61xx).
struct BankingCommand {
    var cla: UInt8 = 0x00
    let ins: UInt8
    let p1: UInt8
    let p2: UInt8
    var data: [UInt8] = []
    /// The Le byte of a command that returns data (00: up to 256 bytes), `nil` for none.
    var le: UInt8? = nil
    /// Whether `data` holds a secret (a PIN or PUK): the encoded APDUs are zeroed after use.
    var isSecret = false

    /// The short-form APDUs that carry the command: one, or a chain.
    var apdus: [[UInt8]] {
        let le: [UInt8] = le.map { [$0] } ?? []
        guard !data.isEmpty else { return [[cla, ins, p1, p2] + le] }
        var parts: [[UInt8]] = []
        var offset = 0
        while offset < data.count {
            let end = min(offset + 255, data.count)
            let isLast = end == data.count
            parts.append([isLast ? cla : cla | 0x10, ins, p1, p2, UInt8(end - offset)]
                         + data[offset..<end] + (isLast ? le : []))
            offset = end
        }
        return parts
    }

    /// `F0 55 4B 45 59 01`: "UKEY" version 1.
    static let aid: [UInt8] = BankingWire.aid

    /// SELECT by AID, first or only occurrence, FCI returned.
    static let select = BankingCommand(ins: BankingWire.Instruction.select, p1: 0x04, p2: 0x00, data: aid, le: 0x00)
    static let getTokenInfo = BankingCommand(ins: BankingWire.Instruction.getData, p1: 0x01, p2: 0x00, le: 0x00)

    /// GET CERTIFICATE `00 CA 01 1k` of one key.
    static func getCertificate(_ key: TokenKey) -> BankingCommand {
        BankingCommand(ins: BankingWire.Instruction.getData, p1: 0x01, p2: key.certificateP2, le: 0x00)
    }

    /// READ PUBLIC KEY `00 47 81 kk`.
    static func readPublicKey(_ key: TokenKey) -> BankingCommand {
        BankingCommand(ins: BankingWire.Instruction.asymmetricKeyPair, p1: BankingWire.KeyPairOperation.readPublicKey, p2: key.reference, le: 0x00)
    }

    /// VERIFY PIN; without a PIN it asks whether the PIN is verified (9000 / 63Cx).
    static func verify(_ pin: Secret?) -> BankingCommand {
        BankingCommand(ins: BankingWire.Instruction.verify, p1: 0x00, p2: 0x81, data: pin?.bytes ?? [], isSecret: true)
    }

    /// CHANGE PIN: `len(old) old len(new) new`.
    static func changePIN(old: Secret, new: Secret) -> BankingCommand {
        BankingCommand(ins: BankingWire.Instruction.changeReferenceData, p1: 0x00, p2: 0x81, data: lengthPrefixed(old, new), isSecret: true)
    }

    /// UNBLOCK PIN: `len(PUK) PUK len(new) new`.
    static func unblockPIN(puk: Secret, new: Secret) -> BankingCommand {
        BankingCommand(ins: BankingWire.Instruction.resetRetryCounter, p1: 0x00, p2: 0x81, data: lengthPrefixed(puk, new), isSecret: true)
    }

    /// GENERATE KEY `00 47 80 kk {80 01 algo}`; for the transfer key the card waits for the holder's OK.
    static func generateKey(_ key: TokenKey, _ algorithm: KeyAlgorithm) -> BankingCommand {
        BankingCommand(ins: BankingWire.Instruction.asymmetricKeyPair, p1: BankingWire.KeyPairOperation.generate, p2: key.reference,
                       data: TLV(tag: BankingWire.Algorithm.tag, value: [algorithm.reference]).bytes, le: 0x00)
    }

    /// PUT CERTIFICATE `00 DA 01 1k DER`.
    static func putCertificate(_ der: [UInt8], for key: TokenKey) -> BankingCommand {
        BankingCommand(ins: BankingWire.Instruction.putData, p1: 0x01, p2: key.certificateP2, data: der)
    }

    /// The card-built certification request `80 50 00 kk Name`: the card adds its serial and
    /// public key and signs; the answer is the whole PKCS#10 request.
    static func certificationRequest(_ key: TokenKey, subject name: [UInt8]) -> BankingCommand {
        BankingCommand(cla: BankingWire.proprietaryClass, ins: BankingWire.Instruction.certificationRequest, p1: 0x00, p2: key.reference, data: name, le: 0x00)
    }

    /// SIGN (PERFORM SECURITY OPERATION: compute digital signature) of a DER DigestInfo, by the
    /// authentication key.
    static func sign(digestInfo: [UInt8]) -> BankingCommand {
        BankingCommand(ins: BankingWire.Instruction.performSecurityOperation, p1: 0x9E, p2: 0x9A, data: digestInfo, le: 0x00)
    }

    /// DECIPHER (PERFORM SECURITY OPERATION: decipher): padding indicator 00, the cryptogram, then
    /// the expected plaintext length Ne (1…k − 11, so one byte), which the card always answers;
    /// Le is Ne too. Ne travels in the data so that it reaches the card on every exchange: at T=0
    /// a case 4 command goes out as case 3 and the card never sees Le.
    static func decipher(_ ciphertext: [UInt8], plaintextLength: Int) -> BankingCommand {
        let ne = UInt8(truncatingIfNeeded: plaintextLength)
        return BankingCommand(ins: BankingWire.Instruction.performSecurityOperation, p1: 0x80, p2: 0x86,
                              data: [0x00] + ciphertext + [ne], le: ne)
    }

    static func internalAuthenticate(_ challenge: [UInt8]) -> BankingCommand {
        BankingCommand(ins: BankingWire.Instruction.internalAuthenticate, p1: 0x00, p2: 0x00, data: challenge, le: 0x00)
    }

    /// GET CHALLENGE of 1–256 random bytes.
    static func getChallenge(count: Int) -> BankingCommand {
        BankingCommand(ins: BankingWire.Instruction.getChallenge, p1: 0x00, p2: 0x00, le: UInt8(truncatingIfNeeded: count))
    }

    /// CONFIRM TRANSFER (proprietary class 80): the card shows the transfer and waits for OK.
    static func confirmTransfer(_ transfer: Transfer, challenge: [UInt8]) -> BankingCommand {
        BankingCommand(cla: BankingWire.proprietaryClass, ins: BankingWire.Instruction.confirmTransfer, p1: 0x00, p2: 0x00, data: transfer.commandData(challenge: challenge), le: 0x00)
    }

    /// GET RESPONSE for the bytes a 61xx announced (SW2, 00 = 256 or more).
    static func getResponse(_ sw2: UInt8) -> BankingCommand {
        BankingCommand(ins: BankingWire.Instruction.getResponse, p1: 0x00, p2: 0x00, le: sw2)
    }

    private static func lengthPrefixed(_ first: Secret, _ second: Secret) -> [UInt8] {
        [UInt8(clamping: first.bytes.count)] + first.bytes + [UInt8(clamping: second.bytes.count)] + second.bytes
    }
}

extension BankingCommand {
    /// SET PIN-ENTRY POLICY `80 52 00 pp PUK`: pp 00 keypad or computer, 01 keypad only.
    static func setPINEntryPolicy(_ policy: TokenInfo.PINEntryPolicy, puk: Secret) -> BankingCommand {
        BankingCommand(cla: BankingWire.proprietaryClass, ins: BankingWire.Instruction.setPINEntryPolicy, p1: 0x00,
                       p2: policy.reference, data: puk.bytes, isSecret: true)
    }
}

extension TokenInfo.PINEntryPolicy {
    /// P2 of SET PIN-ENTRY POLICY and the value of token info's tag CB.
    var reference: UInt8 { self == .both ? 0x00 : 0x01 }
}
