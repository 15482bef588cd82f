import ISO7816
import PIVProtocol

/// The commands of the PIV applet (PIV-INTERFACE.md, SP 800-73-4 part 2), built here so that no
/// byte array is hand-filled in the PIV token's logic. They use the banking commands' encoding
/// (``BankingCommand``: short APDUs, CLA 10 chaining for long data, Le 00 where data comes back).
enum PIVCommand {
    /// The CHUID object, whose GUID (tag 34) carries the token serial.
    static let chuidTag: [UInt8] = PIVObject.cardHolderUniqueIdentifier.tagBytes

    /// The PIN's key reference (PIV Card Application PIN) and the PUK's.
    static let pinReference: UInt8 = PIVWire.KeyReference.pin
    static let pukReference: UInt8 = PIVWire.KeyReference.puk

    /// `00 A4 04 00 0B AID 00`.
    static let select = BankingCommand(ins: 0xA4, p1: 0x04, p2: 0x00, data: PIVWire.aid, le: 0x00)

    /// GET DATA `00 CB 3F FF 5C len tag 00`.
    static func getData(_ tag: [UInt8]) -> BankingCommand {
        BankingCommand(ins: PIVWire.Instruction.getData, p1: 0x3F, p2: 0xFF, data: TLV(tag: PIVWire.DataTag.tagList, value: tag).bytes, le: 0x00)
    }

    /// PUT DATA `00 DB 3F FF 5C len tag 53 L {…}`, chained when long; `53 00` deletes.
    static func putData(_ tag: [UInt8], object: [UInt8]) -> BankingCommand {
        BankingCommand(ins: PIVWire.Instruction.putData, p1: 0x3F, p2: 0xFF,
                       data: TLV(tag: PIVWire.DataTag.tagList, value: tag).bytes + TLV(tag: PIVWire.DataTag.object, value: object).bytes)
    }

    /// VERIFY `00 20 00 ref 08 secret-FF-padded`; without a secret, the status query (9000 / 63Cx).
    static func verify(reference: UInt8, _ secret: [UInt8]?) -> BankingCommand {
        BankingCommand(ins: 0x20, p1: 0x00, p2: reference, data: secret ?? [], isSecret: true)
    }

    /// CHANGE REFERENCE DATA `00 24 00 ref 10 old8 new8` (PIN 80, PUK 81).
    static func changeReference(_ reference: UInt8, old: [UInt8], new: [UInt8]) -> BankingCommand {
        BankingCommand(ins: 0x24, p1: 0x00, p2: reference, data: old + new, isSecret: true)
    }

    /// RESET RETRY COUNTER `00 2C 00 80 10 PUK8 newPIN8`.
    static func resetRetryCounter(puk: [UInt8], newPIN: [UInt8]) -> BankingCommand {
        BankingCommand(ins: 0x2C, p1: 0x00, p2: pinReference, data: puk + newPIN, isSecret: true)
    }

    /// GENERATE ASYMMETRIC KEY PAIR `00 47 00 slot AC 03 80 01 algorithm 00`.
    static func generate(_ slot: PIVSlot, _ algorithm: KeyAlgorithm) -> BankingCommand {
        BankingCommand(ins: PIVWire.Instruction.generateAsymmetricKeyPair, p1: 0x00, p2: slot.rawValue,
                       data: TLV(tag: PIVWire.GenerateTag.template, children: [TLV(tag: PIVWire.GenerateTag.mechanism, value: [algorithm.pivReference])]).bytes, le: 0x00)
    }

    /// GENERAL AUTHENTICATE with a slot's key: `00 87 alg slot 7C {82 00, 81 block} 00` — raw RSA.
    static func authenticate(_ slot: PIVSlot, _ algorithm: KeyAlgorithm, block: [UInt8]) -> BankingCommand {
        BankingCommand(ins: PIVWire.Instruction.generalAuthenticate, p1: algorithm.pivReference, p2: slot.rawValue,
                       data: dynamicAuthenticationTemplate([TLV(tag: PIVWire.AuthenticationTag.response, value: []), TLV(tag: PIVWire.AuthenticationTag.challenge, value: block)]), le: 0x00)
    }

    /// 9B mutual authentication, step 1: `00 87 03 9B 7C 02 80 00` asks for the encrypted witness.
    static let requestWitness = BankingCommand(ins: PIVWire.Instruction.generalAuthenticate, p1: tripleDES, p2: managementKeyReference,
                                               data: dynamicAuthenticationTemplate([TLV(tag: PIVWire.AuthenticationTag.witness, value: [])]), le: 0x00,
                                               isSecret: true)

    /// 9B mutual authentication, step 2: `7C 14 {80 08 witness, 81 08 challenge}`.
    static func mutualAuthenticate(witness: [UInt8], challenge: [UInt8]) -> BankingCommand {
        BankingCommand(ins: PIVWire.Instruction.generalAuthenticate, p1: tripleDES, p2: managementKeyReference,
                       data: dynamicAuthenticationTemplate([TLV(tag: PIVWire.AuthenticationTag.witness, value: witness), TLV(tag: PIVWire.AuthenticationTag.challenge, value: challenge)]),
                       le: 0x00, isSecret: true)
    }

    /// The management key's reference, and its algorithm (3 = 3DES, SP 800-78-4 table 6-2).
    static let managementKeyReference: UInt8 = PIVWire.KeyReference.managementKey
    static let tripleDES: UInt8 = 0x03

    /// `7C L {…}`: the dynamic authentication template of GENERAL AUTHENTICATE.
    static func dynamicAuthenticationTemplate(_ children: [TLV]) -> [UInt8] {
        TLV(tag: PIVWire.AuthenticationTag.template, children: children).bytes
    }

    /// A PIN or PUK as the card takes it: 6–8 ASCII digits padded with FF to 8 bytes; `nil` for
    /// any other format, so no try is spent on a value the card must refuse.
    static func paddedSecret(_ secret: Secret) -> [UInt8]? {
        guard secret.isDigits(count: 6...8) else { return nil }
        return secret.bytes + [UInt8](repeating: 0xFF, count: 8 - secret.bytes.count)
    }
}

extension KeyAlgorithm {
    /// The PIV algorithm identifier (SP 800-78-4 table 6-2): 06 RSA-1024, 07 RSA-2048.
    var pivReference: UInt8 {
        switch self {
        case .rsa1024: return 0x06
        case .rsa2048: return 0x07
        }
    }

    /// The algorithm of an RSA key of `bits` bits, if PIV has one.
    init?(bits: Int) {
        switch bits {
        case 1024: self = .rsa1024
        case 2048: self = .rsa2048
        default: return nil
        }
    }

    /// The modulus length in bytes: the size of a GENERAL AUTHENTICATE block.
    var modulusLength: Int { self == .rsa1024 ? 128 : 256 }
}
