import ISO7816
import Testing

@Suite("ResponseAPDU")
struct ResponseAPDUTests {
    @Test("data and status word are split at the last two bytes")
    func parse() throws {
        let response = try ResponseAPDU(parsing: try hex("6F 03 84 01 AA 90 00"))
        #expect(response.data == [0x6F, 0x03, 0x84, 0x01, 0xAA], "everything before SW1 SW2 is data")
        #expect(response.statusWord == .success, "the last two bytes are SW1 SW2")
        #expect(response.bytes == (try hex("6F 03 84 01 AA 90 00")), "serialisation appends SW1 SW2 to the data")
    }

    @Test("a status word alone is a response without data")
    func statusOnly() throws {
        let response = try ResponseAPDU(parsing: [0x69, 0x82])
        #expect(response.data.isEmpty, "two bytes carry no data")
        #expect(response.statusWord == .securityStatusNotSatisfied, "6982 is read as SW1 69, SW2 82")
    }

    @Test("fewer than two bytes is too short", arguments: [0, 1])
    func tooShort(count: Int) {
        #expect(throws: APDUError.tooShort(count: count), "a response needs SW1 and SW2") {
            try ResponseAPDU(parsing: Array(repeating: UInt8(0x90), count: count))
        }
    }

    @Test("built responses round-trip")
    func roundTrip() throws {
        let response = ResponseAPDU(data: counting(300), statusWord: .bytesAvailable(16))
        #expect(try ResponseAPDU(parsing: response.bytes) == response, "parse(bytes) gives the same response")
    }
}
