import FuzzSupport
import ISO7816

/// Whatever parses as a command APDU (ISO/IEC 7816-3 §12.1) re-encodes to exactly its bytes
/// (every case has one encoding), parses back to an equal value, and is rebuilt from its fields
/// by the throwing initializer. Response APDUs and T=1 blocks (§11.3) get the same round trip,
/// and every status word has a name.
func fuzzCommandAPDU(_ bytes: [UInt8]) {
    if let command = try? CommandAPDU(parsing: bytes) {
        fuzzRequire(command.bytes == bytes, "a parsed command re-encodes to its bytes: \(bytes.hexString)")
        fuzzRequire((try? CommandAPDU(parsing: command.bytes)) == command, "parse(bytes) round-trips")
        let rebuilt = try? CommandAPDU(cla: command.cla, ins: command.ins, p1: command.p1, p2: command.p2,
                                       data: command.data, ne: command.ne, extended: command.isExtended)
        fuzzRequire(rebuilt == command, "a parsed command is rebuilt from its fields: \(bytes.hexString)")
        fuzzRequire((1...4).contains(command.isoCase), "the ISO case is 1 to 4")
    }
    if let response = try? ResponseAPDU(parsing: bytes) {
        fuzzRequire(response.bytes == bytes, "a response re-encodes to its bytes")
        fuzzRequire(!response.statusWord.name.isEmpty && !response.statusWord.meaning.isEmpty,
                    "every status word has a name and a meaning")
    }
    if let block = try? T1Block(parsing: bytes) {
        fuzzRequire(block.bytes == bytes, "a T=1 block re-encodes to its bytes: \(bytes.hexString)")
        fuzzRequire((try? T1Block(parsing: block.bytes)) == block, "a T=1 block round-trips")
    }
}

/// One seed per ISO case and form, a response and T=1 blocks, all built by the types' own
/// serializers.
var commandAPDUSeeds: [String: [UInt8]] {
    func apdu(_ cla: UInt8, _ ins: UInt8, _ p1: UInt8, _ p2: UInt8, _ data: [UInt8] = [], ne: Int? = nil,
              extended: Bool = false) -> [UInt8] {
        try! CommandAPDU(cla: cla, ins: ins, p1: p1, p2: p2, data: data, ne: ne, extended: extended).bytes
    }
    let aid: [UInt8] = [0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]
    return [
        "case1": apdu(0x00, 0x20, 0x00, 0x81),
        "case2s_get_data": apdu(0x00, 0xCA, 0x01, 0x00, ne: 256),
        "case2e": apdu(0x00, 0xC0, 0x00, 0x00, ne: 65_536),
        "case3s_verify": apdu(0x00, 0x20, 0x00, 0x81, Array("24681357".utf8)),
        "case3e_put_certificate": apdu(0x00, 0xDA, 0x01, 0x10, [UInt8](repeating: 0x30, count: 300)),
        "case4s_select": apdu(0x00, 0xA4, 0x04, 0x00, aid, ne: 256),
        "case4e_sign": apdu(0x00, 0x2A, 0x9E, 0x9A, [UInt8](repeating: 0x04, count: 51), ne: 65_536, extended: true),
        "chained_confirm": apdu(0x90, 0xC0, 0x00, 0x00, [0x70, 0x81, 0x10]),
        "response_fci": ResponseAPDU(data: [0x6F, 0x08, 0x84, 0x06] + aid, statusWord: .success).bytes,
        "response_61": ResponseAPDU(data: [UInt8](repeating: 0xAB, count: 16), statusWord: StatusWord(0x6110)).bytes,
        "t1_information": T1Block.information([0x00, 0xA4, 0x04, 0x00, 0x06] + aid, sequence: 0, more: true).bytes,
        "t1_receive_ready": T1Block.receiveReady(sequence: 1).bytes,
        "t1_ifs_request": T1Block.supervisory(.ifsRequest(254)).bytes,
        "t1_wtx_request": T1Block.supervisory(.wtxRequest(multiplier: 2)).bytes,
    ]
}
