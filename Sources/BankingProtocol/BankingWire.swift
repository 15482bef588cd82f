import ISO7816

/// The banking applet's wire vocabulary, spelled once for the card (`Firmware/BankingApplet`) and
/// the host (`Sources/UKey`): its AID, instructions, P1P2 values, key references and tags. Each
/// side parses on its own; only the names are shared. Command table: docs/ARCHITECTURE.md, "The
/// banking applet".
package enum BankingWire {
    /// `F0 55 4B 45 59 01`: "UKEY" version 1.
    package static let aid: [UInt8] = [0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]
    /// CLA of the proprietary commands (CONFIRM TRANSFER, the card-built request).
    package static let proprietaryClass: UInt8 = 0x80

    /// INS bytes (ISO/IEC 7816-4 names where the command is an ISO one).
    package enum Instruction {
        package static let verify: UInt8 = 0x20
        package static let changeReferenceData: UInt8 = 0x24
        package static let resetRetryCounter: UInt8 = 0x2C
        package static let performSecurityOperation: UInt8 = 0x2A
        /// GENERATE KEY (P1 80) and READ PUBLIC KEY (P1 81).
        package static let asymmetricKeyPair: UInt8 = 0x47
        package static let internalAuthenticate: UInt8 = 0x88
        package static let getChallenge: UInt8 = 0x84
        package static let getData: UInt8 = 0xCA
        package static let putData: UInt8 = 0xDA
        /// CLA 80: the card-built certification request.
        package static let certificationRequest: UInt8 = 0x50
        /// CLA 80: CONFIRM TRANSFER.
        package static let confirmTransfer: UInt8 = 0xC0
        /// CLA 80: SET PIN-ENTRY POLICY `80 52 00 pp [PUK]`.
        package static let setPINEntryPolicy: UInt8 = 0x52
        package static let select: UInt8 = 0xA4
        package static let getResponse: UInt8 = 0xC0
    }

    /// P1P2 values.
    package enum P1P2 {
        /// VERIFY, CHANGE, UNBLOCK: the banking PIN (`00 81`).
        package static let pin: UInt16 = 0x0081
        /// CHANGE, UNBLOCK in the keypad form (`10 81`): two 8-byte PIN blocks, each packed BCD
        /// padded with F nibbles, that a keypad's CCID modification structure can build.
        package static let keypadPIN: UInt16 = 0x1081
        /// GET DATA token info (`01 00`).
        package static let tokenInfo: UInt16 = 0x0100
        /// PSO: compute digital signature of a DigestInfo (`9E 9A`).
        package static let computeSignature: UInt16 = 0x9E9A
        /// PSO: decipher (`80 86`).
        package static let decipher: UInt16 = 0x8086
        /// GET / PUT CERTIFICATE: `01 1k`, k the key reference.
        package static func certificate(_ keyReference: UInt8) -> UInt16 { 0x0110 | UInt16(keyReference) }
        /// SELECT by AID, first or only occurrence.
        package static let selectByAID: UInt16 = 0x0400
    }

    /// P1 of INS 47.
    package enum KeyPairOperation {
        package static let generate: UInt8 = 0x80
        package static let readPublicKey: UInt8 = 0x81
    }

    /// Key references (P2 of INS 47 and 80 50, low nibble of the certificate P2).
    package enum KeyReference {
        package static let transfer: UInt8 = 0x01
        package static let authentication: UInt8 = 0x02
        package static let decryption: UInt8 = 0x03
    }

    /// GENERATE KEY's data `80 01 algo`, and the algorithm bytes of the token info.
    package enum Algorithm {
        package static let tag: Tag = 0x80
        package static let rsa1024: UInt8 = 0x01
        package static let rsa2048: UInt8 = 0x02
    }

    /// SELECT's answer: `6F { 84 AID, A5 { C0 serial, C1 version } }`.
    package enum FCITag {
        package static let fci: Tag = 0x6F
        package static let aid: Tag = 0x84
        package static let proprietary: Tag = 0xA5
    }

    /// GET DATA token info: a sequence of these objects.
    package enum InfoTag {
        package static let serial: Tag = 0xC0
        package static let version: Tag = 0xC1
        package static let transferKeyAlgorithm: Tag = 0xC2
        package static let pinTriesLeft: Tag = 0xC3
        package static let pukTriesLeft: Tag = 0xC4
        package static let transferCounter: Tag = 0xC5
        /// Lines and columns of the screen.
        package static let display: Tag = 0xC6
        package static let pinMustChange: Tag = 0xC7
        package static let authenticationKeyAlgorithm: Tag = 0xC8
        package static let decryptionKeyAlgorithm: Tag = 0xC9
        package static let authenticationCounter: Tag = 0xCA
        /// The PIN-entry policy: 00 keypad or computer, 01 keypad only.
        package static let pinEntryPolicy: Tag = 0xCB
    }

    /// The transfer the host sends (`70 { 80 … 85 }`) and the DTBS the card signs (`70 { 80 … 87 }`).
    package enum DTBSTag {
        package static let dtbs: Tag = 0x70
        package static let payeeAccount: Tag = 0x80
        package static let payeeName: Tag = 0x81
        package static let amount: Tag = 0x82
        package static let currency: Tag = 0x83
        package static let reference: Tag = 0x84
        package static let challenge: Tag = 0x85
        /// Added by the card: its serial.
        package static let serial: Tag = 0x86
        /// Added by the card: the new transfer counter, 4 bytes big-endian.
        package static let counter: Tag = 0x87
        /// The lowest and highest field tags, in this order.
        package static let firstField: UInt32 = 0x80
        package static let lastHostField: UInt32 = 0x85
        package static let lastField: UInt32 = 0x87
    }

    /// CONFIRM TRANSFER's answer: `7C { 70 DTBS, 9E signature }`.
    package enum ConfirmationTag {
        package static let template: Tag = 0x7C
        package static let signature: Tag = 0x9E
    }
}
