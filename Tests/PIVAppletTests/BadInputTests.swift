import CardOS
import HostPlatform
import ISO7816
import PIVApplet
import Testing

/// Every PIV command with wrong lengths, wrong P1/P2, without the 9B authentication, or with its
/// chaining cut short: the right status word, and the state — NVM records, PIN state, management
/// key state — unchanged.
@Suite("PIV applet: bad input")
struct BadInputTests {
    struct Case: CustomStringConvertible, Sendable {
        let name: String
        /// The whole APDU in hex.
        let apdu: String
        let status: UInt16
        var description: String { name }

        /// A command of `header` (CLA INS P1 P2) and `data`, Lc computed.
        init(name: String, header: String, data: String = "", status: UInt16) {
            self.name = name
            let count = data.count / 2
            apdu = header + (count == 0 ? "" : hexByte(UInt8(count)) + data)
            self.status = status
        }

        /// A command exactly as written (for malformed lengths).
        init(name: String, raw: String, status: UInt16) {
            self.name = name
            apdu = raw
            self.status = status
        }
    }

    static let cert = "5C035FC105" + "5306" + "70023000" + "FE00"

    /// Without the management key, PIN not verified.
    static let unauthenticated: [Case] = [
        Case(name: "VERIFY, 7-byte PIN field", header: "00200080", data: "31323334353636", status: 0x6700),
        Case(name: "VERIFY, 9-byte PIN field", header: "00200080", data: "313233343536FFFFFF", status: 0x6700),
        Case(name: "VERIFY, P1 01", header: "00200180", data: "313233343536FFFF", status: 0x6A86),
        Case(name: "VERIFY, key 81 (the PUK is not verified alone)", header: "00200081", data: "313233343536FFFF", status: 0x6A88),
        Case(name: "VERIFY log out with data", header: "0020FF80", data: "313233343536FFFF", status: 0x6700),
        Case(name: "CHANGE REFERENCE, 15 bytes", header: "00240080", data: "313233343536FFFF313233343536FF", status: 0x6700),
        Case(name: "CHANGE REFERENCE, P1 01", header: "00240180", data: "313233343536FFFF313233343536FFFF", status: 0x6A86),
        Case(name: "CHANGE REFERENCE, key 82", header: "00240082", data: "313233343536FFFF313233343536FFFF", status: 0x6A88),
        Case(name: "CHANGE REFERENCE, new PIN too short", header: "00240080", data: "313233343536FFFF3132333435FFFFFF", status: 0x6A80),
        Case(name: "RESET RETRY COUNTER, 8 bytes", header: "002C0080", data: "31323334353637FF", status: 0x6700),
        Case(name: "RESET RETRY COUNTER, P2 81", header: "002C0081", data: "3132333435363738313233343536FFFF", status: 0x6A86),
        Case(name: "GENERAL AUTHENTICATE, truncated 7C", header: "0087069A", data: "7C0182", status: 0x6A80),
        Case(name: "GENERAL AUTHENTICATE, no 81", header: "0087069A", data: "7C028200", status: 0x6A80),
        Case(name: "GENERAL AUTHENTICATE, 82 twice", header: "0087069A", data: "7C06820082008100", status: 0x6A80),
        Case(name: "GENERAL AUTHENTICATE, bytes after 7C", header: "0087069A", data: "7C048200810000", status: 0x6A80),
        Case(name: "GENERAL AUTHENTICATE, slot 9F", header: "0087069F", data: "7C0682008102AABB", status: 0x6A86),
        Case(name: "GENERAL AUTHENTICATE, PIN not verified", header: "0087069A", data: "7C0682008102AABB", status: 0x6982),
        Case(name: "9B, algorithm 05", header: "0087059B", data: "7C028000", status: 0x6A86),
        Case(name: "9B, witness request with data", header: "0087039B", data: "7C03800100", status: 0x6A80),
        Case(name: "9B, response of 7 bytes", header: "0087039B", data: "7C09820700000000000000", status: 0x6A80),
        Case(name: "GENERATE without the management key", header: "0047009A", data: "AC03800106", status: 0x6982),
        Case(name: "GENERATE, P1 01", header: "0047019A", data: "AC03800106", status: 0x6A86),
        Case(name: "GENERATE, slot 9B", header: "0047009B", data: "AC03800106", status: 0x6A86),
        Case(name: "GENERATE, no template", header: "0047009A", status: 0x6A80),
        Case(name: "PUT DATA without the management key", header: "00DB3FFF", data: cert, status: 0x6982),
        Case(name: "PUT DATA, P2 FE", header: "00DB3FFE", data: cert, status: 0x6A86),
        Case(name: "PUT DATA, no 53", header: "00DB3FFF", data: "5C035FC105", status: 0x6A80),
        Case(name: "GET DATA, P2 FE", header: "00CB3FFE", data: "5C017E", status: 0x6A86),
        Case(name: "GET DATA, truncated 5C", header: "00CB3FFF", data: "5C01", status: 0x6A80),
        Case(name: "GET DATA, 53 instead of 5C", header: "00CB3FFF", data: "53017E", status: 0x6A80),
        Case(name: "GET DATA, no data", header: "00CB3FFF", status: 0x6A80),
        Case(name: "CLA 80", header: "80CB3FFF", data: "5C017E", status: 0x6E00),
        Case(name: "CLA 04 (secure messaging)", header: "04CB3FFF", data: "5C017E", status: 0x6E00),
        Case(name: "INS FD (Yubico version)", header: "00FD0000", status: 0x6D00),
        Case(name: "INS F8 (Yubico serial)", header: "00F80000", status: 0x6D00),
        Case(name: "a 3-byte APDU", raw: "00CB3F", status: 0x6700),
        Case(name: "Lc beyond the data", raw: "00CB3FFF095C017E", status: 0x6700),
    ]

    /// With the management key proven and a key in 9A (PIN not verified).
    static let authenticated: [Case] = [
        Case(name: "GENERATE, algorithm 11", header: "0047009A", data: "AC03800111", status: 0x6A80),
        Case(name: "GENERATE, 3DES", header: "0047009A", data: "AC03800103", status: 0x6A80),
        Case(name: "GENERATE, template AB", header: "0047009A", data: "AB03800106", status: 0x6A80),
        Case(name: "PUT DATA, CHUID", header: "00DB3FFF", data: "5C035FC102530670023000FE00", status: 0x6A81),
        Case(name: "PUT DATA, unknown object", header: "00DB3FFF", data: "5C035FC120530670023000FE00", status: 0x6A80),
        Case(name: "PUT DATA, 53 longer than the data", header: "00DB3FFF", data: "5C035FC105530970023000FE00", status: 0x6A80),
        Case(name: "PUT DATA, 71 of 2 bytes", header: "00DB3FFF", data: "5C035FC105530770013071020000", status: 0x6A80),
        Case(name: "PUT DATA, 5C of 2 bytes", header: "00DB3FFF", data: "5C025FC1530670023000FE00", status: 0x6A80),
        Case(name: "GENERAL AUTHENTICATE, 9C without VERIFY", header: "0087069C", data: "7C0682008102AABB", status: 0x6982),
    ]

    /// The state a bad command must not change: every committed record, PIN state and tries,
    /// whether the management key is proven (GENERATE in an empty slot would succeed).
    static func snapshot(_ token: PIVHarness) -> [RecordID: [UInt8]] { token.memory.committedRecords }

    @Test("Without the management key", arguments: unauthenticated)
    func unauthenticatedCommand(_ bad: Case) {
        let token = PIVHarness()
        _ = token.selectPIV()
        let before = Self.snapshot(token)
        #expect(token.send(bad.apdu).statusWord == StatusWord(bad.status), "\(bad.name)")
        #expect(Self.snapshot(token) == before, "\(bad.name) changed NVM")
        _ = token.selectPIV()
        #expect(token.pinStatus == .verificationFailed(triesLeft: 3), "\(bad.name) changed the PIN state")
        #expect(token.send("0047009D05AC03800106").statusWord == .securityStatusNotSatisfied,
                "\(bad.name) proved the management key")
    }

    @Test("With the management key proven", arguments: authenticated)
    func authenticatedCommand(_ bad: Case) {
        let token = PIVHarness()
        _ = token.selectPIV()
        #expect(token.authenticate() == .success)
        #expect(token.generate(slot: 0x9C, algorithm: 0x06).statusWord == .success)
        let before = Self.snapshot(token)
        #expect(token.send(bad.apdu).statusWord == StatusWord(bad.status), "\(bad.name)")
        #expect(Self.snapshot(token) == before, "\(bad.name) changed NVM")
        #expect(token.pinStatus == .verificationFailed(triesLeft: 3), "\(bad.name) changed the PIN state")
    }

    @Test("Chaining cut short: a first part followed by another command writes nothing")
    func chainCutShort() {
        let token = PIVHarness()
        _ = token.selectPIV()
        #expect(token.authenticate() == .success)
        let before = Self.snapshot(token)
        let object = TLV(tag: 0x5C, value: [0x5F, 0xC1, 0x05]).bytes
            + TLV(tag: 0x53, value: TLV(tag: 0x70, value: [UInt8](repeating: 0x30, count: 600)).bytes).bytes
        let first = try! CommandAPDU(cla: 0x10, ins: 0xDB, p1: 0x3F, p2: 0xFF, data: Array(object[..<255])).bytes
        #expect(token.send(first).statusWord == .success)
        #expect(token.getData([0x5F, 0xC1, 0x05]).statusWord == .fileNotFound)        // another command ends the chain
        // The rest alone is not an object.
        let rest = try! CommandAPDU(cla: 0x00, ins: 0xDB, p1: 0x3F, p2: 0xFF, data: Array(object[255...])).bytes
        #expect(token.send(rest).statusWord == .wrongData)
        // A last part with another P2 is a command of its own, not the chain's end.
        #expect(token.send(first).statusWord == .success)
        let other = try! CommandAPDU(cla: 0x00, ins: 0xDB, p1: 0x3F, p2: 0xFE, data: Array(object[255...])).bytes
        #expect(token.send(other).statusWord == .wrongP1P2)
        #expect(Self.snapshot(token) == before)
        // The full chain still works afterwards.
        #expect(token.chained("00DB3FFF", object).statusWord == .success)
        #expect(token.getData([0x5F, 0xC1, 0x05]).statusWord == .success)
    }
}
