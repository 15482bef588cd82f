import ISO7816
import Testing

/// A minimally encoded BER-TLV object and its tag and value.
struct TLVVector: Sendable, CustomTestStringConvertible {
    var name: String
    var encoded: [UInt8]
    var tag: Tag
    var value: [UInt8]
    var testDescription: String { name }

    static let all: [TLVVector] = [
        TLVVector(name: "one-byte tag 80", encoded: [0x80, 0x01, 0x05], tag: 0x80, value: [0x05]),
        TLVVector(name: "empty value", encoded: [0x84, 0x00], tag: 0x84, value: []),
        TLVVector(name: "two-byte tag 5F2F", encoded: [0x5F, 0x2F, 0x02, 0x12, 0x34], tag: 0x5F2F, value: [0x12, 0x34]),
        TLVVector(name: "two-byte tag 9F7F", encoded: [0x9F, 0x7F, 0x01, 0xAA], tag: 0x9F7F, value: [0xAA]),
        TLVVector(name: "three-byte tag 5FC105", encoded: [0x5F, 0xC1, 0x05, 0x01, 0x00], tag: 0x5F_C105, value: [0x00]),
        TLVVector(name: "four-byte tag 5F818203", encoded: [0x5F, 0x81, 0x82, 0x03, 0x00], tag: 0x5F81_8203, value: []),
        TLVVector(name: "constructed 7F49 {81, 82}", encoded: [0x7F, 0x49, 0x08, 0x81, 0x02, 0xC0, 0x01, 0x82, 0x02, 0x01, 0x01],
                  tag: 0x7F49, value: [0x81, 0x02, 0xC0, 0x01, 0x82, 0x02, 0x01, 0x01]),
        TLVVector(name: "length 7F, one byte", encoded: [0x53, 0x7F] + counting(127), tag: 0x53, value: counting(127)),
        TLVVector(name: "length 81 80", encoded: [0x53, 0x81, 0x80] + counting(128), tag: 0x53, value: counting(128)),
        TLVVector(name: "length 81 FF", encoded: [0x53, 0x81, 0xFF] + counting(255), tag: 0x53, value: counting(255)),
        TLVVector(name: "length 82 01 00", encoded: [0x53, 0x82, 0x01, 0x00] + counting(256), tag: 0x53, value: counting(256)),
    ]
}

/// Bytes that are not one BER-TLV object, and the exact error.
struct BadTLVVector: Sendable, CustomTestStringConvertible {
    var name: String
    var encoded: [UInt8]
    var error: TLVError
    var testDescription: String { name }

    static let all: [BadTLVVector] = [
        BadTLVVector(name: "indefinite length 80", encoded: [0x30, 0x80, 0x01, 0x00, 0x00, 0x00],
                     error: .indefiniteLength(offset: 1)),
        BadTLVVector(name: "indefinite length after a two-byte tag", encoded: [0x7F, 0x49, 0x80, 0x00, 0x00],
                     error: .indefiniteLength(offset: 2)),
        BadTLVVector(name: "length field of five bytes", encoded: [0x04, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 0xAA],
                     error: .unsupportedLength(offset: 1)),
        BadTLVVector(name: "length field FF", encoded: [0x04, 0xFF], error: .unsupportedLength(offset: 1)),
        BadTLVVector(name: "tag of five bytes", encoded: [0x5F, 0x81, 0x82, 0x83, 0x04, 0x00],
                     error: .invalidTag(offset: 0)),
        BadTLVVector(name: "tag with first subsequent byte 80", encoded: [0x5F, 0x80, 0x01, 0x00, 0x00],
                     error: .invalidTag(offset: 0)),
        BadTLVVector(name: "trailing byte", encoded: [0x80, 0x01, 0x05, 0x00], error: .trailingBytes(offset: 3)),
        BadTLVVector(name: "a second object", encoded: [0x80, 0x01, 0x05, 0x81, 0x00], error: .trailingBytes(offset: 3)),
        BadTLVVector(name: "length 84 FF FF FF FF beyond the input", encoded: [0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00],
                     error: .truncated(offset: 0)),
        BadTLVVector(name: "length 83 beyond the input", encoded: [0x04, 0x83, 0x01, 0x00, 0x00, 0x00], error: .truncated(offset: 0)),
    ]
}

@Suite("TLV")
struct TLVTests {
    @Test("parse and serialize agree with the vector", arguments: TLVVector.all)
    func roundTrip(_ vector: TLVVector) throws {
        let parsed = try TLV(parsing: vector.encoded)
        #expect(parsed.tag == vector.tag, "the tag is read with all its bytes")
        #expect(parsed.value == vector.value, "the value is exactly `length` bytes")
        #expect(TLV(tag: vector.tag, value: vector.value).bytes == vector.encoded,
                "serialisation uses the tag bytes and the shortest length")
    }

    @Test("every truncated prefix is rejected as truncated at offset 0", arguments: TLVVector.all)
    func truncatedPrefixes(_ vector: TLVVector) {
        for length in 0..<vector.encoded.count {
            #expect(throws: TLVError.truncated(offset: 0), "a prefix of \(length) bytes runs past its end") {
                try TLV(parsing: vector.encoded[..<length])
            }
        }
    }

    @Test("bad encodings give the exact error", arguments: BadTLVVector.all)
    func badEncodings(_ vector: BadTLVVector) {
        #expect(throws: vector.error, "\(vector.name) is rejected with its own error") {
            try TLV(parsing: vector.encoded)
        }
    }

    @Test("length forms 83 and 84 are parsed; serialisation picks the shortest")
    func longLengthForms() throws {
        let big = counting(65_536)
        let encoded83: [UInt8] = [0x53, 0x83, 0x01, 0x00, 0x00] + big
        #expect(TLV(tag: 0x53, value: big).bytes == encoded83, "65536 bytes need the 83 form")
        #expect(try TLV(parsing: encoded83).value == big, "the 83 form is read as three length bytes")

        let nonMinimal: [UInt8] = [0x53, 0x84, 0x00, 0x00, 0x00, 0x03, 0x0A, 0x0B, 0x0C]
        let parsed = try TLV(parsing: nonMinimal)
        #expect(parsed.value == [0x0A, 0x0B, 0x0C], "the 84 form is read as four length bytes")
        #expect(parsed.bytes == [0x53, 0x03, 0x0A, 0x0B, 0x0C], "re-encoding uses the one-byte length")
        #expect(TLV.encodeLength(0x0100_0000) == [0x84, 0x01, 0x00, 0x00, 0x00], "2^24 needs the 84 form")
        #expect(TLV.encodeLength(0xFF_FFFF) == [0x83, 0xFF, 0xFF, 0xFF], "2^24 - 1 fits the 83 form")
    }

    @Test("constructed objects nest and round-trip")
    func nested() throws {
        // The shape of CONFIRM TRANSFER's answer: 7C { 70 { 80, 81 }, 9E }.
        let dtbs = TLV(tag: 0x70, children: [TLV(tag: 0x80, value: [0x31, 0x32]), TLV(tag: 0x81, value: [0x41])])
        let answer = TLV(tag: 0x7C, children: [dtbs, TLV(tag: 0x9E, value: [0xAA, 0xBB])])
        let encoded = try hex("7C 0D 70 07 80 02 31 32 81 01 41 9E 02 AA BB")
        #expect(answer.bytes == encoded, "children are encoded one after the other inside the parent")

        let parsed = try TLV(parsing: encoded)
        #expect(parsed == answer, "parsing gives back the nested object")
        let children = try parsed.children()
        #expect(children.map(\.tag) == [0x70, 0x9E], "the outer object has two children in order")
        let inner = try #require(children.first(0x70), "the DTBS child is found by tag")
        #expect(try inner.children() == [TLV(tag: 0x80, value: [0x31, 0x32]), TLV(tag: 0x81, value: [0x41])],
                "the grandchildren are parsed from the child's value")
        #expect(children.first(0x84) == nil, "an absent tag is nil")
    }

    @Test("children of a malformed value throw")
    func malformedChildren() {
        let object = TLV(tag: 0x7F49, value: [0x81, 0x05, 0x00])
        #expect(throws: TLVError.truncated(offset: 0), "a child longer than its parent's value is truncated") {
            try object.children()
        }
    }

    @Test("a sequence parses every object and an empty input is empty")
    func sequence() throws {
        let objects = try TLV.sequence(parsing: try hex("80 01 05 5F 2F 00 9F 7F 01 AA"))
        #expect(objects.map(\.tag) == [0x80, 0x5F2F, 0x9F7F], "objects are read one after the other")
        #expect(try TLV.sequence(parsing: []) == [], "no bytes, no objects")
        #expect(throws: TLVError.truncated(offset: 3), "a truncated second object reports where it starts") {
            try TLV.sequence(parsing: [0x80, 0x01, 0x05, 0x81, 0x02, 0x00])
        }
    }

    @Test("tag class, constructed bit and bytes", arguments: [
        (Tag(0x80), [UInt8]([0x80]), UInt8(2), false),
        (Tag(0x5FC105), [0x5F, 0xC1, 0x05], 1, false),
        (Tag(0x7F49), [0x7F, 0x49], 1, true),
        (Tag(0x30), [0x30], 0, true),
        (Tag(0xDF01), [0xDF, 0x01], 3, false),
    ])
    func tagFields(tag: Tag, bytes: [UInt8], tagClass: UInt8, constructed: Bool) {
        #expect(tag.bytes == bytes, "the tag's bytes drop leading zeros")
        #expect(tag.tagClass == tagClass, "b8-b7 of the first byte give the class")
        #expect(tag.isConstructed == constructed, "b6 of the first byte marks a constructed object")
    }
}
