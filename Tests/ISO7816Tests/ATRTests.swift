import ISO7816
import Testing

/// A valid ATR and the values a reader of it needs.
struct ATRVector: Sendable, CustomTestStringConvertible {
    var name: String
    var hex: String
    var protocols: [UInt8]
    var historicalCount: Int
    var tck: UInt8?
    var fi: Int?
    var di: Int?
    var ifsc: Int
    var bwi: Int
    var cwi: Int
    /// The name of every byte, in order.
    var names: [String]
    var testDescription: String { name }

    static func historicalNames(_ count: Int) -> [String] { (1...count).map { "historical byte \($0)" } }

    static let all: [ATRVector] = [
        ATRVector(name: "UKey", hex: "3B 8B 80 01 80 F9 A0 00 00 03 08 00 00 10 00 C8",
                  protocols: [0, 1], historicalCount: 11, tck: 0xC8, fi: nil, di: nil, ifsc: 32, bwi: 4, cwi: 13,
                  names: ["TS", "T0", "TD1", "TD2"] + historicalNames(11) + ["TCK"]),
        ATRVector(name: "T=0 only, no TCK (Schlumberger)", hex: "3B 02 14 50",
                  protocols: [0], historicalCount: 2, tck: nil, fi: nil, di: nil, ifsc: 32, bwi: 4, cwi: 13,
                  names: ["TS", "T0", "historical byte 1", "historical byte 2"]),
        ATRVector(name: "T=0 with TA1 TB1 TC1, no TCK (Gemalto)",
                  hex: "3B 7D 96 00 00 80 31 80 65 B0 83 11 C0 A9 83 00 90 00",
                  protocols: [0], historicalCount: 13, tck: nil, fi: 512, di: 32, ifsc: 32, bwi: 4, cwi: 13,
                  names: ["TS", "T0", "TA1", "TB1", "TC1"] + historicalNames(13)),
        ATRVector(name: "T=1 with TA3 IFSC 254 (YubiKey)",
                  hex: "3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 40",
                  protocols: [1], historicalCount: 13, tck: 0x40, fi: 372, di: 4, ifsc: 254, bwi: 1, cwi: 5,
                  names: ["TS", "T0", "TA1", "TB1", "TC1", "TD1", "TD2", "TA3", "TB3"] + historicalNames(13) + ["TCK"]),
        ATRVector(name: "T=0 and T=1 (EstEID 3.0)",
                  hex: "3B FE 18 00 00 80 31 FE 45 45 73 74 45 49 44 20 76 65 72 20 31 2E 30 A8",
                  protocols: [0, 1], historicalCount: 14, tck: 0xA8, fi: 372, di: 12, ifsc: 254, bwi: 4, cwi: 5,
                  names: ["TS", "T0", "TA1", "TB1", "TC1", "TD1", "TD2", "TA3", "TB3"] + historicalNames(14) + ["TCK"]),
        ATRVector(name: "T=1 and T=15 global bytes (OpenPGP card 2.0)",
                  hex: "3B DA 18 FF 81 B1 FE 75 1F 03 00 31 C5 73 C0 01 40 00 90 00 0C",
                  protocols: [1], historicalCount: 10, tck: 0x0C, fi: 372, di: 12, ifsc: 254, bwi: 7, cwi: 5,
                  names: ["TS", "T0", "TA1", "TC1", "TD1", "TD2", "TA3", "TB3", "TD3", "TA4"] + historicalNames(10) + ["TCK"]),
        ATRVector(name: "T=0 and T=15 global bytes need TCK (constructed)", hex: "3B 80 80 1F 03 1C",
                  protocols: [0], historicalCount: 0, tck: 0x1C, fi: nil, di: nil, ifsc: 32, bwi: 4, cwi: 13,
                  names: ["TS", "T0", "TD1", "TD2", "TA3", "TCK"]),
        ATRVector(name: "T=14 only needs TCK (constructed)", hex: "3B 80 0E 8E",
                  protocols: [14], historicalCount: 0, tck: 0x8E, fi: nil, di: nil, ifsc: 32, bwi: 4, cwi: 13,
                  names: ["TS", "T0", "TD1", "TCK"]),
        ATRVector(name: "inverse convention, T=1, no historical bytes (constructed)", hex: "3F 80 01 81",
                  protocols: [1], historicalCount: 0, tck: 0x81, fi: nil, di: nil, ifsc: 32, bwi: 4, cwi: 13,
                  names: ["TS", "T0", "TD1", "TCK"]),
        ATRVector(name: "T=1 with TC3 CRC (constructed)", hex: "3B 80 81 41 01 41",
                  protocols: [1], historicalCount: 0, tck: 0x41, fi: nil, di: nil, ifsc: 32, bwi: 4, cwi: 13,
                  names: ["TS", "T0", "TD1", "TD2", "TC3", "TCK"]),
    ]
}

@Suite("ATR")
struct ATRTests {
    @Test("valid ATRs parse to the values a reader needs", arguments: ATRVector.all)
    func valid(_ vector: ATRVector) throws {
        let bytes = try hex(vector.hex)
        let atr = try ATR(parsing: bytes)
        #expect(atr.bytes == bytes, "bytes is the whole ATR")
        #expect(atr.protocols == vector.protocols, "protocols come from the TD bytes, T=0 when there is no TD1")
        #expect(atr.historicalBytes == Array(bytes.suffix(vector.historicalCount + (vector.tck == nil ? 0 : 1))
            .prefix(vector.historicalCount)), "K historical bytes sit before TCK")
        #expect(atr.k == vector.historicalCount, "K is the low nibble of T0")
        #expect(atr.tck == vector.tck, "TCK is present exactly when a protocol other than T=0 is indicated")
        #expect(atr.fi == vector.fi, "Fi comes from FI in TA1")
        #expect(atr.di == vector.di, "Di comes from DI in TA1")
        #expect(atr.ifsc == vector.ifsc, "IFSC comes from the first TA for T=1, else 32")
        #expect(atr.bwi == vector.bwi, "BWI comes from the first TB for T=1, else 4")
        #expect(atr.cwi == vector.cwi, "CWI comes from the first TB for T=1, else 13")
    }

    @Test("the explanation has one entry per byte, in order, with the spec's names", arguments: ATRVector.all)
    func explanationCoversEveryByte(_ vector: ATRVector) throws {
        let bytes = try hex(vector.hex)
        let explanation = try ATR(parsing: bytes).explanation
        #expect(explanation.map(\.name) == vector.names, "each byte is named TS, T0, TAi…, historical byte n, TCK")
        #expect(explanation.map(\.offset) == Array(0..<bytes.count), "offsets count every byte once")
        #expect(explanation.map(\.byte) == bytes, "each entry carries the byte it explains")
        #expect(explanation.allSatisfy { !$0.meaning.isEmpty }, "every byte has a meaning")
    }

    @Test("every truncated prefix says which byte is missing", arguments: ATRVector.all)
    func truncatedPrefixes(_ vector: ATRVector) throws {
        let bytes = try hex(vector.hex)
        let fields = try ATR(parsing: bytes).explanation.map(\.field)
        for length in 0..<bytes.count {
            #expect(throws: ATRError.truncated(expected: fields[length], offset: length),
                    "a prefix of \(length) bytes lacks \(fields[length].name)") {
                try ATR(parsing: bytes[..<length])
            }
        }
    }

    @Test("UKey's ATR: its bytes, its structure and what each byte means")
    func ukey() throws {
        let atr = ATR.ukey
        #expect(atr.bytes == (try hex("3B 8B 80 01 80 F9 A0 00 00 03 08 00 00 10 00 C8")), "the ATR of ARCHITECTURE.md")
        #expect(atr.convention == .direct, "TS 3B is the direct convention")
        #expect(atr.interfaceBytes == [ATRInterfaceBytes(index: 1, td: 0x80), ATRInterfaceBytes(index: 2, qualifier: 0, td: 0x01)],
                "TD1 80 (T=0, TD2 follows) and TD2 01 (T=1), nothing else")
        let meanings = atr.explanation.map(\.meaning)
        #expect(meanings[0] == "direct convention", "TS")
        #expect(meanings[1] == "Y1=8: TD1 follows; K=11 historical bytes", "T0 splits into Y1 and K")
        #expect(meanings[2] == "T=0 offered, TD2 follows", "TD1")
        #expect(meanings[3] == "T=1 offered, no further interface bytes", "TD2")
        #expect(meanings[4] == "category indicator 80: compact-TLV data objects follow", "the first historical byte")
        #expect(meanings[5] == "compact-TLV tag F (application identifier), length 9", "F9 is a 9-byte AID")
        #expect(meanings[6] == "application identifier, byte 1 of 9", "the AID's bytes are labelled")
        #expect(meanings[15] == "check byte: T0 XOR … XOR TCK = 00", "TCK")
    }

    @Test("interface bytes are explained by their index and protocol")
    func interfaceByteMeanings() throws {
        let atr = try ATR(parsing: try hex("3B DA 18 FF 81 B1 FE 75 1F 03 00 31 C5 73 C0 01 40 00 90 00 0C"))
        let meaning = { (name: String) in atr.explanation.first { $0.name == name }?.meaning }
        #expect(meaning("T0") == "Y1=D: TA1, TC1 and TD1 follow; K=10 historical bytes", "Y1 bits name TA1, TC1, TD1")
        #expect(meaning("TA1") == "FI=1, DI=8: Fi=372, f max 5 MHz, Di=12", "TA1 is FI/DI from tables 7 and 8")
        #expect(meaning("TC1") == "N=255: minimum guard time", "TC1 FF is the minimum guard time")
        #expect(meaning("TD1") == "T=1 offered, TD2 follows", "TD1 81")
        #expect(meaning("TD2") == "T=1 offered, TA3, TB3 and TD3 follow", "TD2 B1")
        #expect(meaning("TA3") == "IFSC 254", "the first TA for T=1 is IFSC")
        #expect(meaning("TB3") == "BWI=7, CWI=5", "the first TB for T=1 is BWI/CWI")
        #expect(meaning("TD3") == "T=15: global interface bytes, TA4 follows", "T=15 is not a protocol")
        #expect(meaning("TA4") == "clock stop not supported; class A (5 V), B (3 V)", "the first TA for T=15")
        #expect(meaning("historical byte 1") == "category indicator 00: compact-TLV data objects, then a status indicator",
                "category 00")
        #expect(meaning("historical byte 2") == "compact-TLV tag 3 (card service data), length 1",
                "compact-TLV objects follow category 00")
        #expect(meaning("historical byte 4") == "compact-TLV tag 7 (card capabilities), length 3",
                "the next object starts after the previous value")
        #expect(meaning("historical byte 8") == "status indicator: life cycle status (LCS)",
                "the last three bytes of category 00 are the status indicator")
        #expect(meaning("historical byte 9") == "status indicator: SW1", "SW1 of the status indicator")
        #expect(meaning("historical byte 10") == "status indicator: SW2", "category 00 ends with LCS SW1 SW2")
        #expect(atr.interfaceBytes(4)?.qualifier == 15, "group 4 refers to T=15 from TD3")
    }

    @Test("TA1, TC2 and TC for T=1 give the transmission values")
    func transmissionValues() throws {
        let crc = try ATR(parsing: try hex("3B 80 81 41 01 41"))
        #expect(crc.t1UsesCRC, "TC3 bit 1 selects CRC")
        #expect(crc.explanation[4].meaning == "error detection code: CRC", "TC3 is explained as the error detection code")
        #expect(ATR.ukey.t1UsesCRC == false, "LRC is the default")
        #expect(ATR.ukey.waitingTimeInteger == 10, "WI defaults to 10 without TC2")
        #expect(ATR.ukey.extraGuardTime == 0, "N defaults to 0 without TC1")
        let gemalto = try ATR(parsing: try hex("3B 7D 96 00 00 80 31 80 65 B0 83 11 C0 A9 83 00 90 00"))
        #expect(gemalto.fMaxKHz == 5_000, "FI 9 allows 5 MHz")
        #expect(gemalto.explanation[2].meaning == "FI=9, DI=6: Fi=512, f max 5 MHz, Di=32", "TA1 96")
    }

    @Test("a wrong TCK reports the expected and the found value")
    func badTCK() throws {
        var bytes = ATR.ukey.bytes
        bytes[bytes.count - 1] = 0xC9
        #expect(throws: ATRError.invalidTCK(expected: 0xC8, found: 0xC9), "the XOR of T0…TCK must be 00") {
            try ATR(parsing: bytes)
        }
        bytes[bytes.count - 1] = 0xC8
        bytes[5] ^= 0x01                                   // a flipped historical bit
        #expect(throws: ATRError.invalidTCK(expected: 0xC9, found: 0xC8), "a corrupted byte before TCK is caught") {
            try ATR(parsing: bytes)
        }
    }

    @Test("TS other than 3B or 3F is rejected", arguments: [UInt8(0x3C), 0x00, 0xFF, 0x03, 0x3A])
    func badTS(ts: UInt8) {
        #expect(throws: ATRError.invalidTS(ts), "only 3B (direct) and 3F (inverse) are conventions") {
            try ATR(parsing: [ts, 0x02, 0x14, 0x50])
        }
    }

    @Test("bytes after a complete ATR are rejected")
    func trailingBytes() {
        #expect(throws: ATRError.trailingBytes(offset: 16), "UKey's ATR ends after TCK") {
            try ATR(parsing: ATR.ukey.bytes + [0x00])
        }
        #expect(throws: ATRError.trailingBytes(offset: 4), "a T=0-only ATR has no TCK to absorb an extra byte") {
            try ATR(parsing: [0x3B, 0x02, 0x14, 0x50, 0x44])
        }
    }

    @Test("an ATR announcing more than 33 bytes is too long, even when the input stops early")
    func tooLong() throws {
        // T0 FF: TA1…TD1 and 15 historical bytes; each TD F1 announces four more bytes and T=1.
        let header = try hex("3B FF 11 00 00 F1 FE 00 00 F1 FE 00 00 F1")
        #expect(throws: ATRError.tooLong(minimumLength: 34), "TD3 brings the announced length to 34") {
            try ATR(parsing: header)
        }
        #expect(throws: ATRError.tooLong(minimumLength: 34), "more input does not change the verdict") {
            try ATR(parsing: header + counting(40))
        }
        // The same start ending with TD2 01: 10 bytes, 15 historical bytes and TCK, 26 in all.
        var fits = try hex("3B FF 11 00 00 F1 FE 00 00 01") + counting(15)
        var check: UInt8 = 0
        for byte in fits.dropFirst() { check ^= byte }
        fits.append(check)
        #expect(fits.count == 26, "the fitting ATR is 26 bytes")
        #expect(try ATR(parsing: fits).bytes == fits, "an ATR within 33 bytes parses")
    }

    @Test("the longest ATR, 33 bytes, parses")
    func thirtyThreeBytes() throws {
        // Groups 1–3 complete, TD3 71 announces TA4 TB4 TC4 for T=1: 17 + 15 historical + TCK = 33.
        var bytes = try hex("3B FF 11 00 00 F1 FE 00 00 F1 FE 45 00 71 10 00 00") + counting(15)
        var check: UInt8 = 0
        for byte in bytes.dropFirst() { check ^= byte }
        bytes.append(check)
        let atr = try ATR(parsing: bytes)
        #expect(atr.bytes.count == 33, "TS and 32 more bytes are allowed")
        #expect(atr.ifsc == 254, "the first TA for T=1 (TA3 FE) wins over TA4 10")
        #expect(atr.bwi == 4 && atr.cwi == 5, "the first TB for T=1 (TB3 45) wins over TB4 00")
        #expect(atr.protocols == [1], "T=1 indicated by TD1, TD2 and TD3 is listed once")
        let meaning = { (name: String) in atr.explanation.first { $0.name == name }?.meaning }
        #expect(meaning("TA4") == "specific to T=1", "only the first TA for T=1 is IFSC")
        #expect(meaning("TC3") == "error detection code: LRC", "TC3 00 keeps LRC")
    }

    @Test("error descriptions name the problem")
    func errorDescriptions() {
        #expect(ATRError.truncated(expected: .td(2), offset: 3).description == "ATR truncated: TD2 expected at offset 3",
                "a truncated ATR names the missing byte")
        #expect(ATRError.invalidTCK(expected: 0xC8, found: 0xC9).description == "invalid TCK C9, expected C8",
                "a bad TCK shows both values")
    }
}
