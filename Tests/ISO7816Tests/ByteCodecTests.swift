import ISO7816
import Testing

@Suite("The byte codec")
struct ByteCodecTests {
    @Test("integers round-trip in both byte orders")
    func roundTrip() throws {
        var out: [UInt8] = []
        out.appendLE16(0x1234)
        out.appendLE32(0xA1B2_C3D4)
        out.appendBE16(0x1234)
        out.appendBE32(0xA1B2_C3D4)
        #expect(out == [0x34, 0x12, 0xD4, 0xC3, 0xB2, 0xA1, 0x12, 0x34, 0xA1, 0xB2, 0xC3, 0xD4])
        var reader = ByteReader(out)
        #expect(try reader.readLE16() == 0x1234)
        #expect(try reader.readLE32() == 0xA1B2_C3D4)
        #expect(try reader.readBE16() == 0x1234)
        #expect(try reader.readBE32() == 0xA1B2_C3D4)
        #expect(reader.isAtEnd)
    }

    @Test("a short read throws with the size needed and leaves the cursor", arguments: 0...3)
    func shortRead(count: Int) {
        var reader = ByteReader(Array(repeating: UInt8(0xAA), count: count))
        #expect(throws: ByteReadError(needed: 4, available: count)) { try reader.readBE32() }
        #expect(reader.offset == 0)
        #expect(throws: ByteReadError(needed: count + 1, available: count)) { try reader.readBytes(count + 1) }
        #expect(reader.offset == 0)
    }

    @Test("bytes, skip and the rest")
    func bytesAndRest() throws {
        var reader = ByteReader([1, 2, 3, 4, 5], at: 1)
        #expect(try reader.readBytes(2) == [2, 3])
        try reader.skip(1)
        #expect(reader.remaining == 1)
        #expect(reader.readRest() == [5])
        #expect(reader.readRest() == [])
        #expect(throws: ByteReadError(needed: 6, available: 5)) { try reader.readByte() }
    }
}
