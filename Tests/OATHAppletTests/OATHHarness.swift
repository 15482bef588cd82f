import CardOS
import HostPlatform
import ISO7816
import OATHProtocol
import TokenDevice

typealias TestPlatform = HostPlatform<MemoryNVM, ManualClock>

/// A manufactured token in memory with its three applets, driven through the card OS with the
/// OATH applet selected, as ykman drives it (short APDUs without Le, SEND REMAINING for 61xx).
final class OATHHarness {
    static let serial: [UInt8] = [0x55, 0x4B, 0x4F, 0x41, 0x54, 0x48, 0x00, 0x01]
    static let crypto = OpenSSLCryptoEngine()

    private(set) var memory: MemoryNVM
    private(set) var platform: TestPlatform
    private(set) var firmware: TokenFirmware<TestPlatform>

    init(confirmationTimeout: UInt64 = 30_000) {
        memory = MemoryNVM()
        try! TokenFirmware<TestPlatform>.manufacture(memory, serial: OATHHarness.serial, pin: Array("123456".utf8),
                                                     puk: Array("87654321".utf8), piv: .wellKnownDefaults)
        (platform, firmware) = OATHHarness.boot(memory, timeout: confirmationTimeout)
    }

    private static func boot(_ memory: MemoryNVM, timeout: UInt64 = 30_000) -> (TestPlatform, TokenFirmware<TestPlatform>) {
        let platform = HostPlatform(memory: memory, crypto: crypto, presence: HostPresence(confirmationTimeout: timeout),
                                    clock: ManualClock())
        return (platform, TokenFirmware(platform: platform))
    }

    var card: CardOS<TestPlatform> { firmware.card }

    /// Power goes away and comes back: the NVM keeps only what was committed.
    func powerCycle() {
        memory = memory.powerUp()
        (platform, firmware) = OATHHarness.boot(memory)
    }

    @discardableResult
    func send(_ command: [UInt8]) -> ResponseAPDU {
        guard case .response(let bytes) = card.process(command) else { fatalError("the command waits for the holder") }
        return try! ResponseAPDU(parsing: bytes)
    }

    /// `00 ins p1 p2 Lc data`, no Le (yubikit's short encoding).
    func command(_ ins: UInt8, p1: UInt8 = 0, p2: UInt8 = 0, _ data: [UInt8] = []) -> [UInt8] {
        [0x00, ins, p1, p2, UInt8(data.count)] + data
    }

    /// Sends, then follows 61xx with SEND REMAINING (`00 A5 00 00`), as yubikit does.
    @discardableResult
    func exchange(_ ins: UInt8, p1: UInt8 = 0, p2: UInt8 = 0, _ data: [UInt8] = []) -> ResponseAPDU {
        var response = send(command(ins, p1: p1, p2: p2, data))
        var all = response.data
        while response.statusWord.sw1 == 0x61 {
            response = send([0x00, 0xA5, 0x00, 0x00, 0x00])
            all += response.data
        }
        return ResponseAPDU(data: all, statusWord: response.statusWord)
    }

    /// SELECT the OATH AID; returns the answer's TLVs.
    @discardableResult
    func select() -> [TLV] {
        let response = exchange(0xA4, p1: 0x04, OATHWire.aid)
        precondition(response.statusWord == .success, "SELECT OATH: \(response.statusWord)")
        return try! TLV.sequence(parsing: response.data)
    }

    /// PUT as ykman encodes it: `71 name, 73 type|algo digits key, [78 02], [7A counter]`.
    @discardableResult
    func put(_ name: String, kind: OATHWire.Kind = .totp, algorithm: OATHWire.Algorithm = .sha1, digits: UInt8 = 6,
             key: [UInt8], touch: Bool = false, counter: UInt32 = 0) -> StatusWord {
        exchange(0x01, OATHHarness.putData(name, kind: kind, algorithm: algorithm, digits: digits, key: key, touch: touch, counter: counter))
            .statusWord
    }

    static func putData(_ name: String, kind: OATHWire.Kind = .totp, algorithm: OATHWire.Algorithm = .sha1, digits: UInt8 = 6,
                        key: [UInt8], touch: Bool = false, counter: UInt32 = 0) -> [UInt8] {
        var padded = key
        while padded.count < 14 { padded.append(0) }
        var data = TLV(tag: 0x71, value: Array(name.utf8)).bytes + TLV(tag: 0x73, value: [kind.rawValue | algorithm.rawValue, digits] + padded).bytes
        if touch { data += [0x78, 0x02] }
        if counter > 0 { data += TLV(tag: 0x7A, value: bigEndian(UInt64(counter), count: 4)).bytes }
        return data
    }

    /// CALCULATE, truncated; returns the decimal code (the host's formatting, as yubikit's).
    func code(_ name: String, challenge: [UInt8]) -> (String?, StatusWord) {
        let response = exchange(0xA2, p2: 0x01, TLV(tag: 0x71, value: Array(name.utf8)).bytes + TLV(tag: 0x74, value: challenge).bytes)
        guard response.statusWord == .success else { return (nil, response.statusWord) }
        return (OATHHarness.format(response.data), response.statusWord)
    }

    /// `76 digits value` → the code.
    static func format(_ data: [UInt8]) -> String? {
        guard let tlv = try? TLV(parsing: data), tlv.tag == 0x76, tlv.value.count == 5 else { return nil }
        let value = tlv.value[1...].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } & 0x7FFF_FFFF
        return OATHCode.digits(value, count: Int(tlv.value[0]))
    }

    static func bigEndian(_ value: UInt64, count: Int = 8) -> [UInt8] {
        (0..<count).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    static func hmacSHA1(_ key: [UInt8], _ data: [UInt8]) -> [UInt8] { try! crypto.hmac(.sha1, key: key, data: data) }
}
