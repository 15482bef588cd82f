import ISO7816
import Testing

@Suite("T=1 blocks (ISO/IEC 7816-3 §11)")
struct T1BlockTests {
    @Test("encoding: prologue, INF, LRC", arguments: [
        (T1Block.information([0x00, 0xA4, 0x04, 0x00], sequence: 0), "00 00 04 00 A4 04 00 A4"),
        (T1Block.information([0x01], sequence: 1, more: true), "00 60 01 01 60"),
        (T1Block.receiveReady(sequence: 1), "00 90 00 90"),
        (T1Block.receiveReady(sequence: 0, error: .edcError), "00 81 00 81"),
        (T1Block.receiveReady(sequence: 1, error: .otherError), "00 92 00 92"),
        (T1Block.supervisory(.resynchRequest), "00 C0 00 C0"),
        (T1Block.supervisory(.resynchResponse), "00 E0 00 E0"),
        (T1Block.supervisory(.ifsRequest(0xFE)), "00 C1 01 FE 3E"),
        (T1Block.supervisory(.ifsResponse(0xFE)), "00 E1 01 FE 1E"),
        (T1Block.supervisory(.abortRequest), "00 C2 00 C2"),
        (T1Block.supervisory(.abortResponse), "00 E2 00 E2"),
        (T1Block.supervisory(.wtxRequest(multiplier: 1)), "00 C3 01 01 C3"),
        (T1Block.supervisory(.wtxResponse(multiplier: 1)), "00 E3 01 01 E3"),
        (T1Block.supervisory(.vppErrorResponse), "00 E4 00 E4"),
    ])
    func encoding(block: T1Block, hex: String) throws {
        let bytes = [UInt8](hex: hex)!
        #expect(block.bytes == bytes)
        #expect(try T1Block(parsing: bytes) == block, "parse(serialize(x)) == x")
    }

    @Test("a 254-byte I-block round-trips; NAD is kept")
    func largest() throws {
        let block = T1Block(nad: 0x21, .information(sequence: 1, more: false, data: (0..<254).map { UInt8($0 & 0xFF) }))
        #expect(block.bytes.count == 258)
        #expect(try T1Block(parsing: block.bytes) == block)
    }

    @Test("every truncated prefix is rejected")
    func truncated() {
        let bytes = T1Block.information([1, 2, 3, 4, 5], sequence: 0).bytes
        for count in 0..<bytes.count {
            #expect(throws: T1BlockError.self) { try T1Block(parsing: bytes.prefix(count)) }
        }
    }

    @Test("bad LRC: the error, and an R-block EDC error answers it")
    func badLRC() {
        var bytes = T1Block.information([0x00, 0xCA, 0x01, 0x00], sequence: 0).bytes
        bytes[bytes.count - 1] ^= 0x01
        #expect(throws: T1BlockError.badLRC(expected: bytes[bytes.count - 1] ^ 0x01, found: bytes[bytes.count - 1])) {
            try T1Block(parsing: bytes)
        }
        #expect(T1BlockError.badLRC(expected: 0, found: 1).receiveError == .edcError)
        #expect(T1BlockError.invalidPCB(0x1F).receiveError == .otherError)
    }

    @Test("invalid blocks", arguments: [
        ("00 00 FF", T1BlockError.reservedLength),
        ("00 00 00 00", T1BlockError.trailingBytes(expected: 4, count: 5)),
        ("00 01 00", T1BlockError.invalidPCB(0x01)),          // I-block RFU bit
        ("00 A0 00", T1BlockError.invalidPCB(0xA0)),          // R-block bit 6
        ("00 83 00", T1BlockError.invalidPCB(0x83)),          // R-block error code 3
        ("00 C5 00", T1BlockError.invalidPCB(0xC5)),          // unknown S function
        ("00 C4 00", T1BlockError.invalidPCB(0xC4)),          // VPP error is a response only
        ("00 80 01 00", T1BlockError.invalidInformationField(pcb: 0x80, count: 1)),
        ("00 C1 00", T1BlockError.invalidInformationField(pcb: 0xC1, count: 0)),
        ("00 C1 01 00", T1BlockError.invalidInformationField(pcb: 0xC1, count: 1)),
        ("00 E1 01 FF", T1BlockError.invalidInformationField(pcb: 0xE1, count: 1)),
        ("00 C3 02 01 01", T1BlockError.invalidInformationField(pcb: 0xC3, count: 2)),
        ("00 C0 01 00", T1BlockError.invalidInformationField(pcb: 0xC0, count: 1)),
    ])
    func invalid(hex: String, error: T1BlockError) {
        let body = [UInt8](hex: hex)!
        let bytes = body + [T1Block.lrc(body)]
        #expect(throws: error) { try T1Block(parsing: bytes) }
    }

    @Test("LRC is the XOR of the bytes")
    func lrc() {
        #expect(T1Block.lrc([]) == 0)
        #expect(T1Block.lrc([0x00, 0x40, 0x05, 0x00, 0xA4, 0x04, 0x00, 0x00]) == 0xE5)
    }

    @Test("S-block request / response bit")
    func responses() {
        #expect(!T1Supervisory.wtxRequest(multiplier: 2).isResponse)
        #expect(T1Supervisory.wtxResponse(multiplier: 2).isResponse)
        #expect(T1Supervisory.ifsResponse(32).isResponse)
    }
}
