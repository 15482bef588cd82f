import CardOS
import ISO7816

/// The seed corpus: scripts a bank's software really runs, built with `CommandAPDU` and `TLV`.
enum AppletSeeds {
    typealias Step = AppletScript.Step

    static func apdu(_ cla: UInt8, _ ins: UInt8, _ p1: UInt8, _ p2: UInt8, _ data: [UInt8] = [], ne: Int? = nil,
                     extended: Bool = false) -> Step {
        let bytes = try! CommandAPDU(cla: cla, ins: ins, p1: p1, p2: p2, data: data, ne: ne, extended: extended).bytes
        return bytes.count <= 255 ? .apdu(bytes) : .longAPDU(bytes)
    }

    static let select = apdu(0x00, 0xA4, 0x04, 0x00, [0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01], ne: 256)
    static let getData = apdu(0x00, 0xCA, 0x01, 0x00, ne: 256)
    static func verify(_ pin: [UInt8]) -> Step { apdu(0x00, 0x20, 0x00, 0x81, pin) }
    static func change(_ old: [UInt8], _ new: [UInt8]) -> Step {
        apdu(0x00, 0x24, 0x00, 0x81, [UInt8(old.count)] + old + [UInt8(new.count)] + new)
    }
    static func unblock(_ puk: [UInt8], _ new: [UInt8]) -> Step {
        apdu(0x00, 0x2C, 0x00, 0x81, [UInt8(puk.count)] + puk + [UInt8(new.count)] + new)
    }
    /// GENERATE of key `key` (01 transfer, 02 authentication, 03 decryption).
    static func generate(_ key: UInt8, _ algorithm: UInt8) -> Step { apdu(0x00, 0x47, 0x80, key, [0x80, 0x01, algorithm], ne: 65_536) }
    static func readPublicKey(_ key: UInt8) -> Step { apdu(0x00, 0x47, 0x81, key, ne: 256) }
    /// SIGN of a SHA-256 DigestInfo (the digest of "UKey").
    static func sign(ne: Int = 256) -> Step {
        let prefix: [UInt8] = [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
                               0x05, 0x00, 0x04, 0x20]
        return apdu(0x00, 0x2A, 0x9E, 0x9A, prefix + (0..<32).map { UInt8($0 * 7 & 0xFF) }, ne: ne)
    }
    static let internalAuthenticate = apdu(0x00, 0x88, 0x00, 0x00, [UInt8](repeating: 0x42, count: 16), ne: 256)
    static let getChallenge = apdu(0x00, 0x84, 0x00, 0x00, ne: 8)
    static let getResponse = apdu(0x00, 0xC0, 0x00, 0x00, ne: 256)
    static func getCertificate(_ key: UInt8) -> Step { apdu(0x00, 0xCA, 0x01, 0x10 | key, ne: 65_536) }
    static let decipherBadPadding = apdu(0x00, 0x2A, 0x80, 0x86, [0x00] + [UInt8](repeating: 0x17, count: 128), ne: 32)
    /// `00‖cryptogram‖Ne` with bad padding, Le `le` (none when `nil`; ≠ Ne is refused).
    static func decipherBadPadding(neInData ne: UInt8, le: Int?) -> Step {
        apdu(0x00, 0x2A, 0x80, 0x86, [0x00] + [UInt8](repeating: 0x17, count: 128) + [ne], ne: le)
    }

    /// DER `Name`s for the card-built request (``AppletScript/Step/certificationRequest``): the
    /// first three valid, the last with a serialNumber (the card adds its own: refused).
    static let subjects: [[UInt8]] = {
        func rdn(_ oid: [UInt8], _ tag: UInt8, _ value: String) -> TLV {
            TLV(tag: 0x31, children: [TLV(tag: 0x30, children: [TLV(tag: 0x06, value: oid), TLV(tag: Tag(UInt32(tag)), value: Array(value.utf8))])])
        }
        let commonName: [UInt8] = [0x55, 0x04, 0x03], organization: [UInt8] = [0x55, 0x04, 0x0A]
        let country: [UInt8] = [0x55, 0x04, 0x06], serialNumber: [UInt8] = [0x55, 0x04, 0x05]
        return [
            [rdn(commonName, 0x0C, "Zhang San")],
            [rdn(country, 0x13, "CN"), rdn(organization, 0x0C, "UKey Bank"), rdn(commonName, 0x0C, "张三")],
            [rdn(commonName, 0x16, "li.si@example.com")],
            [rdn(commonName, 0x0C, "Zhang San"), rdn(serialNumber, 0x13, "0000000000000001")],
        ].map { TLV(tag: 0x30, children: $0).bytes }
    }()

    /// CONFIRM TRANSFER `70 {80 account, 81 name, 82 amount, 83 currency, 84 reference, 85 challenge}`.
    static func transferBody(name: String = "Zhang San", amount: String = "1234.56") -> [UInt8] {
        let text: (String) -> [UInt8] = { Array($0.utf8) }
        return TLV(tag: 0x70, children: [
            TLV(tag: 0x80, value: text("DE89370400440532013000")), TLV(tag: 0x81, value: text(name)),
            TLV(tag: 0x82, value: text(amount)), TLV(tag: 0x83, value: text("CNY")),
            TLV(tag: 0x84, value: text("Invoice 42")), TLV(tag: 0x85, value: [UInt8](repeating: 0xC5, count: 16)),
        ]).bytes
    }
    static let confirmTransfer = apdu(0x80, 0xC0, 0x00, 0x00, transferBody(), ne: 256)
    static let approve: [Step] = Array(repeating: .press(.ok), count: 6)

    /// From the factory: select, check the factory PIN, change it, generate the three keys
    /// RSA-1024 (the transfer key after the holder's OK).
    static let personalization: [Step] = [
        select, verify(AppletSession.factoryPIN), change(AppletSession.factoryPIN, AppletSession.personalPIN),
        generate(0x01, 0x01)] + approve + [generate(0x02, 0x01), generate(0x03, 0x01),
    ]

    // The PIV applet (Firmware/PIVApplet), as OpenSC and yubico-piv-tool drive it.
    static let selectPIV = apdu(0x00, 0xA4, 0x04, 0x00, [0xA0, 0x00, 0x00, 0x03, 0x08], ne: 256)
    static func pivGetData(_ tag: [UInt8], ne: Int = 256) -> Step { apdu(0x00, 0xCB, 0x3F, 0xFF, [0x5C, UInt8(tag.count)] + tag, ne: ne) }
    static func pivGenerate(_ slot: UInt8, _ algorithm: UInt8) -> Step {
        apdu(0x00, 0x47, 0x00, slot, [0xAC, 0x03, 0x80, 0x01, algorithm], ne: 256)
    }
    /// GENERAL AUTHENTICATE of a PKCS#1 type-1 block of `size` bytes.
    static func pivSign(_ slot: UInt8, algorithm: UInt8 = 0x06, size: Int = 128) -> [Step] {
        let block: [UInt8] = [0x00, 0x01] + [UInt8](repeating: 0xFF, count: size - 3 - 19) + [0x00]
            + [0x30, 0x11, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x00]
        let template = TLV(tag: 0x7C, value: [0x82, 0x00] + TLV(tag: 0x81, value: block).bytes).bytes
        guard template.count > 255 else { return [apdu(0x00, 0x87, algorithm, slot, template, ne: 256)] }
        return [apdu(0x10, 0x87, algorithm, slot, Array(template[..<255])),
                apdu(0x00, 0x87, algorithm, slot, Array(template[255...]), ne: 256)]
    }
    static func pivPutCertificate(_ tag: UInt8) -> Step {
        let object = TLV(tag: 0x70, value: [0x30, 0x03, 0x02, 0x01, 0x00]).bytes + [0x71, 0x01, 0x00, 0xFE, 0x00]
        return apdu(0x00, 0xDB, 0x3F, 0xFF, [0x5C, 0x03, 0x5F, 0xC1, tag] + TLV(tag: 0x53, value: object).bytes)
    }
    static func pivPadded(_ value: String) -> [UInt8] { Array(value.utf8) + [UInt8](repeating: 0xFF, count: 8 - value.utf8.count) }

    static var pivScripts: [String: AppletScript] {
        [
            "piv_discovery_and_objects": AppletScript(personalized: false, steps: [
                pivGetData([0x7E]), selectPIV, apdu(0x00, 0xCB, 0x3F, 0xFF, [0x5C, 0x01, 0x7E], ne: 8), getResponse,
                pivGetData([0x5F, 0xC1, 0x02]), pivGetData([0x5F, 0xC1, 0x07]), pivGetData([0x5F, 0xC1, 0x05]),
                apdu(0x00, 0x20, 0x00, 0x80), apdu(0x00, 0x87, 0x00, 0x9B, [0x7C, 0x02, 0x81, 0x00], ne: 256)]),
            "piv_generate_sign_each_slot": AppletScript(personalized: false, steps: [
                selectPIV, pivGenerate(0x9A, 0x06), .authenticatePIV, pivGenerate(0x9A, 0x06), pivGenerate(0x9C, 0x06),
                pivGenerate(0x9E, 0x06), pivPutCertificate(0x05)] + pivSign(0x9A) + [.verifyPIVPIN] + pivSign(0x9A)
                + pivSign(0x9C) + pivSign(0x9C) + [.verifyPIVPIN] + pivSign(0x9C) + pivSign(0x9E) + pivSign(0x9D)),
            "piv_2048_chained": AppletScript(personalized: false, steps: [
                selectPIV, .authenticatePIV, pivGenerate(0x9A, 0x07), getResponse, .verifyPIVPIN]
                + pivSign(0x9A, algorithm: 0x07, size: 256) + [getResponse]),
            "piv_pin_block_and_reset": AppletScript(personalized: false, steps: [
                selectPIV, apdu(0x00, 0x20, 0x00, 0x80, pivPadded("000000")), apdu(0x00, 0x20, 0x00, 0x80, pivPadded("000000")),
                apdu(0x00, 0x20, 0x00, 0x80, pivPadded("000000")), .verifyPIVPIN,
                apdu(0x00, 0x2C, 0x00, 0x80, pivPadded("12345678") + pivPadded("246810")), .verifyPIVPIN,
                apdu(0x00, 0x24, 0x00, 0x80, pivPadded("246810") + pivPadded("13572468")), apdu(0x00, 0x20, 0xFF, 0x80),
                .verifyPIVPIN]),
            "piv_and_banking_interleaved": AppletScript(personalized: true, steps: [
                selectPIV, .verifyPIVPIN, .authenticatePIV, pivGenerate(0x9A, 0x06), select, .verifyPIN, sign(),
                selectPIV] + pivSign(0x9A) + [select, confirmTransfer] + approve + [selectPIV, .reset, selectPIV]
                + pivSign(0x9A) + [.powerCut(write: 0, .apdu(try! CommandAPDU(cla: 0, ins: 0x47, p1: 0, p2: 0x9D,
                    data: [0xAC, 0x03, 0x80, 0x01, 0x06], ne: 256).bytes)), selectPIV, .authenticatePIV]),
        ]
    }

    static var scripts: [String: AppletScript] {
        let pin = AppletSession.personalPIN, factory = AppletSession.factoryPIN, puk = AppletSession.factoryPUK
        let chainedTransfer = transferBody(name: "Li Si", amount: "99.999")
        let request: (UInt8) -> Step = { .certificationRequest(key: $0, subject: 0, mutation: 0, position: 0) }
        return [
            "factory_personalize_sign_confirm": AppletScript(personalized: false, steps: personalization + [
                getData, sign(), internalAuthenticate, readPublicKey(0x01), readPublicKey(0x02), readPublicKey(0x03),
                confirmTransfer] + approve + [getData]),
            "factory_signs_refused": AppletScript(personalized: false, steps: [
                select, verify(factory), sign(), generate(0x01, 0x01), .press(.ok), generate(0x02, 0x01), confirmTransfer,
                request(0x01), getData]),
            "sign_login_transfer": AppletScript(personalized: true, steps: [
                select, verify(pin), sign(), internalAuthenticate, confirmTransfer] + approve + [getData]),
            "sign_short_le_get_response": AppletScript(personalized: true, steps: [
                select, .verifyPIN, sign(ne: 16), getResponse, getResponse, confirmTransfer, .press(.ok), .press(.ok),
                .press(.ok), .press(.ok), .press(.ok), .press(.ok), getResponse, getData]),
            "without_pin": AppletScript(personalized: true, steps: [
                select, sign(), internalAuthenticate, confirmTransfer, decipherBadPadding,
                .decipher(plaintextCount: 16, key: 3), generate(0x01, 0x01), generate(0x03, 0x01),
                .putCertificate(chained: false, slot: 1, of: 1), request(0x01), request(0x02), getChallenge]),
            "decipher": AppletScript(personalized: true, steps: [
                select, .verifyPIN, .decipher(plaintextCount: 32, key: 3), decipherBadPadding,
                .decipher(plaintextCount: 20, key: 1), .decipher(plaintextCount: 20, key: 2), generate(0x03, 0x02),
                .decipher(plaintextCount: 64, key: 3), .reset, select, .decipher(plaintextCount: 1, key: 3)]),
            "decipher_ne_in_data": AppletScript(personalized: true, steps: [
                select, .verifyPIN, .decipherNeInData(plaintextCount: 32, key: 3, withLe: false),
                .decipherNeInData(plaintextCount: 32, key: 3, withLe: true), decipherBadPadding(neInData: 32, le: nil),
                decipherBadPadding(neInData: 32, le: 32), decipherBadPadding(neInData: 32, le: 31),
                decipherBadPadding(neInData: 0, le: nil), decipherBadPadding(neInData: 118, le: nil),
                .decipherNeInData(plaintextCount: 20, key: 1, withLe: false), generate(0x03, 0x02),
                .decipherNeInData(plaintextCount: 64, key: 3, withLe: false), .decipherNeInData(plaintextCount: 64, key: 3, withLe: true),
                .reset, select, .decipherNeInData(plaintextCount: 1, key: 3, withLe: true)]),
            "reset_forgets_pin": AppletScript(personalized: true, steps: [
                select, verify(pin), .reset, select, sign(), .powerCycle, select, sign(), .verifyPIN, sign()]),
            "wrong_pin_blocks_then_unblock": AppletScript(personalized: true, steps: [
                select, verify(Array("00000000".utf8)), verify(Array("11111111".utf8)), getData,
                verify(Array("22222222".utf8)), verify(pin), unblock(Array("99999999".utf8), pin),
                unblock(puk, Array("13572468".utf8)), .verifyPIN, sign()]),
            "confirm_cancel_and_timeout": AppletScript(personalized: true, steps: [
                select, .verifyPIN, confirmTransfer, .press(.ok), .press(.cancel), confirmTransfer,
                .wait(seconds: 60), .wait(seconds: 61), getData, confirmTransfer, .abort, confirmTransfer, .reset,
                getData]),
            "chained_confirm_transfer": AppletScript(personalized: true, steps: [
                select, .verifyPIN,
                apdu(0x90, 0xC0, 0x00, 0x00, Array(chainedTransfer[..<20])),
                apdu(0x80, 0xC0, 0x00, 0x00, Array(chainedTransfer[20...]), ne: 256)] + approve),
            "power_cut_during_sign_and_verify": AppletScript(personalized: true, steps: [
                select, .verifyPIN, .powerCut(write: 0, .sign(0x01)),
                select, .powerCut(write: 1, .apdu(try! CommandAPDU(cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x81, data: pin).bytes)),
                select, getData, .verifyPIN, .powerCut(write: 1, .sign(0x02)), select, .verifyPIN,
                .powerCut(write: 0, .internalAuthenticate(length: 16)), select, .verifyPIN, sign()]),
            "power_cut_during_each_key_command": AppletScript(personalized: true, steps: [
                select, .verifyPIN, .powerCut(write: 0, .generate(key: 1, algorithm: 1, then: .ok)),
                select, .verifyPIN, .powerCut(write: 1, .generate(key: 1, algorithm: 1, then: .ok)),
                select, .verifyPIN, .powerCut(write: 2, .generate(key: 1, algorithm: 1, then: .ok)),
                select, .verifyPIN, .generate(key: 1, algorithm: 1, then: nil), .powerCut(write: 1, .press(.ok)),
                select, .verifyPIN, .powerCut(write: 1, .generate(key: 2, algorithm: 1, then: nil)),
                select, .verifyPIN, .powerCut(write: 2, .generate(key: 3, algorithm: 1, then: nil)),
                select, .verifyPIN, confirmTransfer, .powerCut(write: 0, .press(.ok)),
                select, .verifyPIN, confirmTransfer, .press(.ok), .press(.ok), .powerCut(write: 1, .press(.ok)),
                select, .verifyPIN, .powerCut(write: 0, .putCertificate(chained: false, slot: 2, of: 2)),
                select, .verifyPIN, .powerCut(write: 0, request(0x01)), select, getData]),
            "certificate_put_and_read": AppletScript(personalized: true, steps: [
                select, .verifyPIN, .putCertificate(chained: true, slot: 1, of: 1), getCertificate(0x01),
                .putCertificate(chained: false, slot: 1, of: 1), apdu(0x00, 0xCA, 0x01, 0x11, ne: 256), getResponse,
                getResponse, getResponse, .putCertificate(chained: false, slot: 2, of: 2),
                .putCertificate(chained: true, slot: 3, of: 3), .putCertificate(chained: false, slot: 1, of: 2),
                .putCertificate(chained: false, slot: 3, of: 1), getCertificate(0x02), .getCertificate(p2: 0x13),
                .getCertificate(p2: 0x10), .getCertificate(p2: 0x14), apdu(0x00, 0xDA, 0x01, 0x10, [0x30, 0x00])]),
            "generate_2048_then_sign": AppletScript(personalized: true, steps: [
                select, .verifyPIN, generate(0x02, 0x02), readPublicKey(0x02), getResponse, sign(), confirmTransfer] + approve
                + [.putCertificate(chained: false, slot: 2, of: 2), .generate(key: 1, algorithm: 2, then: .ok), getResponse,
                   confirmTransfer] + approve + [request(0x01), getResponse]),
            "generate_each_key_ok_cancel": AppletScript(personalized: true, steps: [
                select, .verifyPIN, .putCertificate(chained: false, slot: 1, of: 1), .generate(key: 1, algorithm: 1, then: .cancel),
                getCertificate(0x01), .generate(key: 1, algorithm: 1, then: nil), .wait(seconds: 61),
                .generate(key: 1, algorithm: 1, then: nil), .abort, .generate(key: 1, algorithm: 1, then: nil), .press(.ok),
                .press(.ok), getCertificate(0x01), .readPublicKey(key: 1), .generate(key: 2, algorithm: 1, then: nil),
                .generate(key: 3, algorithm: 1, then: .ok), .readPublicKey(key: 2), .readPublicKey(key: 3),
                .readPublicKey(key: 0), .readPublicKey(key: 4), .generate(key: 0, algorithm: 1, then: nil),
                .generate(key: 2, algorithm: 3, then: nil), .generate(key: 2, algorithm: 0, then: nil), getData]),
            "generate_under_p1p2": AppletScript(personalized: true, steps: [select, .verifyPIN] + [
                (0x80, 0x00), (0x80, 0x04), (0x80, 0x11), (0x80, 0x81), (0x80, 0xFF), (0x81, 0x01), (0x82, 0x01),
                (0x00, 0x01), (0x00, 0x02), (0x00, 0x9A), (0xC0, 0x01), (0xFF, 0xFF), (0x01, 0x01), (0x80, 0x41),
            ].map { .generateUnder(p1: $0.0, p2: $0.1, algorithm: 0x01) } + [getData]),
            "certification_request_each_key": AppletScript(personalized: true, steps: [
                select, request(0x01), .verifyPIN, request(0x01), request(0x02), request(0x03), request(0x00), request(0x04),
                .certificationRequest(key: 1, subject: 1, mutation: 0, position: 0),
                .certificationRequest(key: 1, subject: 2, mutation: 0, position: 0),
                .certificationRequest(key: 1, subject: 3, mutation: 0, position: 0),
                .certificationRequest(key: 1, subject: 0, mutation: 0x40, position: 0),
                .certificationRequest(key: 1, subject: 0, mutation: 0x01, position: 1),
                .certificationRequest(key: 1, subject: 1, mutation: 0x02, position: 9),
                .certificationRequest(key: 1, subject: 1, mutation: 0x1F, position: 13),
                .certificationRequest(key: 2, subject: 0, mutation: 0xFF, position: 255),
                apdu(0x80, 0x50, 0x00, 0x01, [0x70, 0x03, 0x80, 0x01, 0x41], ne: 65_536),
                apdu(0x80, 0x50, 0x01, 0x01, subjects[0], ne: 65_536), apdu(0x80, 0x50, 0x00, 0x01, subjects[0], ne: 64),
                getResponse, getResponse, getResponse, getResponse, getResponse, getResponse]),
            "sign_and_authenticate_counters": AppletScript(personalized: true, steps: [
                select, .verifyPIN, .sign(0x00), .sign(0x01), .internalAuthenticate(length: 8), .internalAuthenticate(length: 64),
                .internalAuthenticate(length: 7), .internalAuthenticate(length: 65), getData, confirmTransfer] + approve
                + [.sign(0x70), .internalAuthenticate(length: 40), getData]),
            "outdated_token_refused": AppletScript(personalized: true, outdated: true, steps: [
                select, .verifyPIN, sign(), internalAuthenticate, confirmTransfer] + approve + [
                .generate(key: 1, algorithm: 1, then: .ok), generate(0x02, 0x01), readPublicKey(0x01), getData,
                apdu(0x00, 0x47, 0x81, 0x01, ne: 256), .decipher(plaintextCount: 16, key: 1), request(0x01), getCertificate(0x01),
                selectPIV, .authenticatePIV, pivGenerate(0x9A, 0x06), .verifyPIVPIN] + pivSign(0x9A) + [.powerCycle, select,
                .verifyPIN, sign()]),
            "oath_beside_banking_and_piv": AppletScript(personalized: true, steps: [
                .oathPut(0x00), .oathPut(0x05), .oathPut(0x2A), .oathPut(0x4B), .oathCalculate(0x80), .oathCalculate(0x81),
                .oathCalculate(0x01), .oathCalculate(0xC0), .oathCalculate(0x40), .oathCalculate(0x82), .press(.ok),
                .oathCalculate(0x82), .wait(seconds: 200), .oathCalculate(0x82), .press(.cancel), apdu(0x00, 0xA1, 0x00, 0x00),
                apdu(0x00, 0x05, 0x00, 0x00, [0x71, 0x06] + Array("fuzz:0".utf8) + [0x71, 0x01, 0x61]),
                .powerCut(write: 0, .oathCalculate(0x81)), .oathCalculate(0x81),
                select, .verifyPIN, .sign(0x00), .internalAuthenticate(length: 8), confirmTransfer] + approve + [
                .oathPut(0x03), selectPIV, .verifyPIVPIN, .oathCalculate(0xC3), getResponse,
                apdu(0x00, 0x04, 0xDE, 0xAD), apdu(0x00, 0xA5, 0x00, 0x00)]),
            "bad_commands": AppletScript(personalized: true, steps: [
                apdu(0x00, 0xCA, 0x01, 0x00), select, apdu(0x00, 0x20, 0x00, 0x82, pin), apdu(0x84, 0x20, 0x00, 0x81, pin),
                apdu(0x80, 0xC0, 0x00, 0x00, [0x70, 0x03, 0x86, 0x01, 0x00]), apdu(0x00, 0x2A, 0x9E, 0x9A, [0x01]),
                apdu(0x00, 0x88, 0x00, 0x00, [0x01]), .apdu([0x00, 0x20, 0x00]), decipherBadPadding]),
        ]
    }

    static var all: [String: [UInt8]] { scripts.merging(pivScripts) { $1 }.mapValues(\.bytes) }
}
