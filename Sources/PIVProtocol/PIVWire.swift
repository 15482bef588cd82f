import ISO7816

/// The PIV applet's wire vocabulary (NIST SP 800-73-4 part 2), spelled once for the card
/// (`Firmware/PIVApplet`) and the host (`Sources/UKey/PIV`), which parse separately.
package enum PIVWire {
    /// `A0 00 00 03 08 00 00 10 00 01 00`: NIST's RID, the PIV PIX and version 01 00.
    package static let aid: [UInt8] = [0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00]

    /// INS bytes.
    package enum Instruction {
        package static let verify: UInt8 = 0x20
        package static let changeReferenceData: UInt8 = 0x24
        package static let resetRetryCounter: UInt8 = 0x2C
        package static let generalAuthenticate: UInt8 = 0x87
        package static let generateAsymmetricKeyPair: UInt8 = 0x47
        package static let getData: UInt8 = 0xCB
        package static let putData: UInt8 = 0xDB
    }

    /// GET DATA / PUT DATA's P1P2: the current DF (`3F FF`).
    package static let dataObjectP1P2: UInt16 = 0x3FFF

    /// Key references: the PIV Card Application PIN, the PUK, the card management key.
    package enum KeyReference {
        package static let pin: UInt8 = 0x80
        package static let puk: UInt8 = 0x81
        package static let managementKey: UInt8 = 0x9B
    }

    /// GET DATA / PUT DATA: `5C` tag list, `53` object.
    package enum DataTag {
        package static let tagList: Tag = 0x5C
        package static let object: Tag = 0x53
    }

    /// A certificate object's content: `70` DER certificate, `71` info, `FE` error detection code.
    package enum CertificateTag {
        package static let certificate: Tag = 0x70
        package static let info: Tag = 0x71
        package static let errorDetectionCode: Tag = 0xFE
    }

    /// The CHUID's GUID (`34`), which carries the token serial.
    package static let guidTag: Tag = 0x34

    /// GENERAL AUTHENTICATE's dynamic authentication template `7C { 80 witness, 81 challenge,
    /// 82 response, 85 exponentiation }` (SP 800-73-4 part 2, table 7).
    package enum AuthenticationTag {
        package static let template: Tag = 0x7C
        package static let witness: Tag = 0x80
        package static let challenge: Tag = 0x81
        package static let response: Tag = 0x82
    }

    /// GENERATE's control reference template `AC { 80 mechanism }`.
    package enum GenerateTag {
        package static let template: Tag = 0xAC
        package static let mechanism: Tag = 0x80
    }
}
