import ISO7816
import Testing

/// A valid command and the value it encodes (ISO/IEC 7816-3 §12.1.3).
struct CommandVector: Sendable, CustomTestStringConvertible {
    var name: String
    var encoded: [UInt8]
    var data: [UInt8]
    var ne: Int?
    var extended: Bool
    var isoCase: Int

    var testDescription: String { name }

    /// The header of every vector: CLA INS P1 P2.
    static let header: [UInt8] = [0x00, 0xA4, 0x04, 0x00]

    static let all: [CommandVector] = [
        CommandVector(name: "case 1", encoded: header, data: [], ne: nil, extended: false, isoCase: 1),
        CommandVector(name: "case 2S, Le 08", encoded: header + [0x08], data: [], ne: 8, extended: false, isoCase: 2),
        CommandVector(name: "case 2S, Le 00 = 256", encoded: header + [0x00], data: [], ne: 256, extended: false, isoCase: 2),
        CommandVector(name: "case 3S, Lc 06", encoded: header + [0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01],
                      data: [0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01], ne: nil, extended: false, isoCase: 3),
        CommandVector(name: "case 3S, Lc FF", encoded: header + [0xFF] + counting(255),
                      data: counting(255), ne: nil, extended: false, isoCase: 3),
        CommandVector(name: "case 4S, Le 00 = 256", encoded: header + [0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01, 0x00],
                      data: [0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01], ne: 256, extended: false, isoCase: 4),
        CommandVector(name: "case 4S, Lc 01, Le 10", encoded: header + [0x01, 0xAA, 0x10],
                      data: [0xAA], ne: 16, extended: false, isoCase: 4),
        CommandVector(name: "case 2E, Le 0001", encoded: header + [0x00, 0x00, 0x01], data: [], ne: 1, extended: true, isoCase: 2),
        CommandVector(name: "case 2E, Le 0100", encoded: header + [0x00, 0x01, 0x00], data: [], ne: 256, extended: true, isoCase: 2),
        CommandVector(name: "case 2E, Le 0000 = 65536", encoded: header + [0x00, 0x00, 0x00], data: [], ne: 65_536, extended: true, isoCase: 2),
        CommandVector(name: "case 3E, Lc 0002", encoded: header + [0x00, 0x00, 0x02, 0xAA, 0xBB],
                      data: [0xAA, 0xBB], ne: nil, extended: true, isoCase: 3),
        CommandVector(name: "case 3E, Lc 0101", encoded: header + [0x00, 0x01, 0x01] + counting(257),
                      data: counting(257), ne: nil, extended: true, isoCase: 3),
        CommandVector(name: "case 4E, Le 0000 = 65536", encoded: header + [0x00, 0x00, 0x03, 0x01, 0x02, 0x03, 0x00, 0x00],
                      data: [0x01, 0x02, 0x03], ne: 65_536, extended: true, isoCase: 4),
        CommandVector(name: "case 4E, Lc 0101, Le 0100", encoded: header + [0x00, 0x01, 0x01] + counting(257) + [0x01, 0x00],
                      data: counting(257), ne: 256, extended: true, isoCase: 4),
        CommandVector(name: "case 4E, Le 0101", encoded: header + [0x00, 0x00, 0x01, 0xAA, 0x01, 0x01],
                      data: [0xAA], ne: 257, extended: true, isoCase: 4),
    ]
}

/// Bytes that are not a command, and the exact error that says why.
struct BadCommandVector: Sendable, CustomTestStringConvertible {
    var name: String
    var encoded: [UInt8]
    var error: APDUError
    var testDescription: String { name }

    static let header = CommandVector.header
    static let all: [BadCommandVector] = [
        BadCommandVector(name: "empty", encoded: [], error: .tooShort(count: 0)),
        BadCommandVector(name: "three bytes", encoded: [0x00, 0xA4, 0x04], error: .tooShort(count: 3)),
        BadCommandVector(name: "Lc larger than data", encoded: header + [0x05, 0xAA, 0xBB],
                         error: .lengthMismatch(declared: 5, available: 2)),
        BadCommandVector(name: "Lc smaller than data (not a Le)", encoded: header + [0x01, 0xAA, 0xBB, 0xCC],
                         error: .lengthMismatch(declared: 1, available: 3)),
        BadCommandVector(name: "Lc 02, one byte", encoded: header + [0x02, 0xAA],
                         error: .lengthMismatch(declared: 2, available: 1)),
        BadCommandVector(name: "short Lc with two-byte Le", encoded: header + [0x02, 0xAA, 0xBB, 0x00, 0x00],
                         error: .lengthMismatch(declared: 2, available: 4)),
        BadCommandVector(name: "6-byte extended header: 00 and one length byte", encoded: header + [0x00, 0x01],
                         error: .truncatedExtendedLength),
        BadCommandVector(name: "extended Lc 0000 with data", encoded: header + [0x00, 0x00, 0x00, 0xAA],
                         error: .extendedLcZero),
        BadCommandVector(name: "extended Lc 0000 with Le", encoded: header + [0x00, 0x00, 0x00, 0x00, 0x00],
                         error: .extendedLcZero),
        BadCommandVector(name: "extended Lc larger than data", encoded: header + [0x00, 0x00, 0x03, 0xAA, 0xBB],
                         error: .lengthMismatch(declared: 3, available: 2)),
        BadCommandVector(name: "extended data with one-byte Le", encoded: header + [0x00, 0x00, 0x02, 0xAA, 0xBB, 0x01],
                         error: .lengthMismatch(declared: 2, available: 3)),
        BadCommandVector(name: "extended data with three-byte Le", encoded: header + [0x00, 0x00, 0x02, 0xAA, 0xBB, 0x00, 0x00, 0x01],
                         error: .lengthMismatch(declared: 2, available: 5)),
    ]
}

@Suite("CommandAPDU")
struct CommandAPDUTests {
    @Test("parse and serialize agree with the vector", arguments: CommandVector.all)
    func roundTrip(_ vector: CommandVector) throws {
        let value = try CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x04, p2: 0x00, data: vector.data, ne: vector.ne,
                                    extended: vector.extended)
        #expect(value.bytes == vector.encoded, "serialisation uses the vector's length form")
        let parsed = try CommandAPDU(parsing: vector.encoded)
        #expect(parsed == value, "parsing recovers data, Ne and the length form")
        #expect(parsed.isoCase == vector.isoCase, "the ISO case follows from data and Le")
        #expect(parsed.isExtended == vector.extended, "the length form is read from the bytes")
    }

    @Test("every truncated prefix is a typed error or a different, self-consistent command",
          arguments: CommandVector.all)
    func truncatedPrefixes(_ vector: CommandVector) throws {
        let full = try CommandAPDU(parsing: vector.encoded)
        for length in 0..<vector.encoded.count {
            let prefix = Array(vector.encoded[..<length])
            do {
                let command = try CommandAPDU(parsing: prefix)
                #expect(command.bytes == prefix, "a prefix that parses re-encodes to itself (length \(length))")
                #expect(command != full, "a prefix never parses as the whole command (length \(length))")
            } catch {
                if length < 4 {
                    #expect(error == .tooShort(count: length), "fewer than four bytes lack the header")
                }
            }
        }
    }

    @Test("bad length fields give the exact error", arguments: BadCommandVector.all)
    func badLengths(_ vector: BadCommandVector) {
        #expect(throws: vector.error, "\(vector.name) is rejected with its own error") {
            try CommandAPDU(parsing: vector.encoded)
        }
    }

    @Test("every body of up to two bytes parses canonically or throws")
    func shortBodies() throws {
        var bodies: [[UInt8]] = [[]]
        for a in 0...255 {
            bodies.append([UInt8(a)])
            for b in 0...255 { bodies.append([UInt8(a), UInt8(b)]) }
        }
        var parsedCount = 0
        for body in bodies {
            let encoded = CommandVector.header + body
            guard let command = try? CommandAPDU(parsing: encoded) else { continue }
            parsedCount += 1
            #expect(command.bytes == encoded, "a parsed command re-encodes byte for byte: \(encoded.hexString)")
        }
        // Case 1, 256 case 2S bodies (Le), 256 case 3S bodies (Lc 01 and one data byte).
        #expect(parsedCount == 1 + 256 + 256, "exactly the valid short bodies parse")
    }

    @Test("Le 00 means 256 in the short form; 0000 means 65536 in the extended form")
    func leZero() throws {
        #expect(try CommandAPDU(parsing: CommandVector.header + [0x00]).ne == 256, "short Le 00 is Ne 256")
        #expect(try CommandAPDU(parsing: CommandVector.header + [0x00, 0x00, 0x00]).ne == 65_536,
                "extended Le 0000 is Ne 65536")
        let short = try CommandAPDU(cla: 0, ins: 0xC0, p1: 0, p2: 0, ne: 256)
        #expect(short.bytes == [0x00, 0xC0, 0x00, 0x00, 0x00], "Ne 256 encodes as short Le 00")
        let extended = try CommandAPDU(cla: 0, ins: 0xC0, p1: 0, p2: 0, ne: 65_536)
        #expect(extended.bytes == [0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00], "Ne 65536 encodes as 00 0000")
    }

    @Test("the length form is chosen by size unless extended is asked for")
    func lengthForm() throws {
        #expect(try CommandAPDU(cla: 0, ins: 0xDA, p1: 1, p2: 0x10, data: counting(255)).isExtended == false,
                "255 data bytes fit the short form")
        #expect(try CommandAPDU(cla: 0, ins: 0xDA, p1: 1, p2: 0x10, data: counting(256)).isExtended,
                "256 data bytes need the extended form")
        #expect(try CommandAPDU(cla: 0, ins: 0xCA, p1: 1, p2: 0x10, ne: 257).isExtended,
                "Ne 257 needs the extended form")
    }

    @Test("case 1 has no length field, so asking for the extended form still round-trips")
    func caseOneExtended() throws {
        let command = try CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x04, p2: 0x00, extended: true)
        #expect(command.bytes == CommandVector.header, "case 1 is the header only")
        #expect(try CommandAPDU(parsing: command.bytes) == command, "parse(bytes) equals the built case 1 command")
    }

    @Test("a command whose data grew after init encodes in the extended form instead of trapping")
    func mutatedData() throws {
        var command = try CommandAPDU(cla: 0x00, ins: 0xDA, p1: 0x01, p2: 0x10, data: [0x01])
        command.data = counting(300)
        let parsed = try CommandAPDU(parsing: command.bytes)
        #expect(parsed.data == counting(300), "the 300 data bytes survive encoding")
        #expect(parsed.isExtended, "more than 255 data bytes are sent in the extended form")
    }

    @Test("init rejects Nc and Ne out of range")
    func initLimits() {
        #expect(throws: APDUError.dataTooLong(count: 65_536), "Nc is at most 65535") {
            try CommandAPDU(cla: 0, ins: 0, p1: 0, p2: 0, data: counting(65_536))
        }
        #expect(throws: APDUError.neOutOfRange(0), "Ne 0 is not encodable; omit Le instead") {
            try CommandAPDU(cla: 0, ins: 0, p1: 0, p2: 0, ne: 0)
        }
        #expect(throws: APDUError.neOutOfRange(65_537), "Ne is at most 65536") {
            try CommandAPDU(cla: 0, ins: 0, p1: 0, p2: 0, ne: 65_537)
        }
    }

    @Test("the largest extended command round-trips")
    func largestExtended() throws {
        let command = try CommandAPDU(cla: 0x00, ins: 0xDA, p1: 0x01, p2: 0x10, data: counting(65_535), ne: 65_536)
        #expect(command.bytes.count == 4 + 3 + 65_535 + 2, "Lc 3 bytes, Le 2 bytes in case 4E")
        #expect(try CommandAPDU(parsing: command.bytes) == command, "Nc 65535 and Ne 65536 round-trip")
    }

    @Test("CLA bit 0x10 marks command chaining")
    func chaining() throws {
        #expect(try CommandAPDU(parsing: [0x10, 0xDA, 0x01, 0x10]).isChained, "CLA 10 continues a chain")
        #expect(try CommandAPDU(parsing: [0x00, 0xDA, 0x01, 0x10]).isChained == false, "CLA 00 ends it")
    }
}
