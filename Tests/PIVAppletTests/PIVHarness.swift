import CardOS
import HostPlatform
import ISO7816
import PIVApplet
import TokenDevice
import UKey

typealias TestPlatform = HostPlatform<MemoryNVM, ManualClock>

/// The host's side of the 9B authentication: the host library's 3DES with `key`.
func tripleDES(key: [UInt8], block: [UInt8], encrypt: Bool) -> [UInt8] {
    let managementKey = try! PIVManagementKey(bytes: key)
    return try! encrypt ? managementKey.encrypt(block) : managementKey.decrypt(block)
}

/// A manufactured token in memory with both applets, driven APDU by APDU through the card OS,
/// with power cycles. PIV secrets are ``PIVCredentials/wellKnownDefaults``.
final class PIVHarness {
    static let serial: [UInt8] = [0x55, 0x4B, 0x50, 0x49, 0x56, 0x00, 0x00, 0x07]
    static let pin = "123456"
    static let puk = "12345678"
    static let managementKey = PIVCredentials.wellKnownDefaults.managementKey
    static let bankingPIN = "123456"
    static let crypto = OpenSSLCryptoEngine()

    private(set) var memory: MemoryNVM
    private(set) var firmware: TokenFirmware<TestPlatform>

    init() {
        memory = MemoryNVM()
        try! TokenFirmware<TestPlatform>.manufacture(memory, serial: PIVHarness.serial, pin: Array(PIVHarness.bankingPIN.utf8),
                                                     puk: Array("87654321".utf8), piv: .wellKnownDefaults)
        firmware = PIVHarness.boot(memory)
    }

    private static func boot(_ memory: MemoryNVM) -> TokenFirmware<TestPlatform> {
        TokenFirmware(platform: HostPlatform(memory: memory, crypto: crypto, presence: HostPresence(), clock: ManualClock()))
    }

    var card: CardOS<TestPlatform> { firmware.card }

    /// Power goes away and comes back: the NVM keeps only what was committed.
    func powerCycle() {
        memory = memory.powerUp()
        firmware = PIVHarness.boot(memory)
    }

    @discardableResult
    func send(_ command: [UInt8]) -> ResponseAPDU {
        switch card.process(command) {
        case .response(let bytes): return try! ResponseAPDU(parsing: bytes)
        // Power failed during the command's NVM commit: SW 0000 stands for "no answer".
        case .noAnswer: return ResponseAPDU(statusWord: StatusWord(0x0000))
        case .waiting: fatalError("a PIV command waited for the holder")
        }
    }

    @discardableResult
    func send(_ hex: String) -> ResponseAPDU { send([UInt8](hex: hex)!) }

    /// The command with Lc computed, and Le 00 when `le`.
    func apdu(_ header: String, _ data: [UInt8] = [], le: Bool = false) -> [UInt8] {
        let head = [UInt8](hex: header)!
        return try! CommandAPDU(cla: head[0], ins: head[1], p1: head[2], p2: head[3], data: data, ne: le ? 256 : nil).bytes
    }

    /// Sends a command, follows 61xx with GET RESPONSE, returns the whole answer.
    func exchange(_ command: [UInt8]) -> ResponseAPDU {
        var response = send(command)
        var data = response.data
        while response.statusWord.sw1 == 0x61 {
            response = send("00C0000000")
            data += response.data
        }
        return ResponseAPDU(data: data, statusWord: response.statusWord)
    }

    /// Sends command data in 255-byte parts chained with CLA 10, as OpenSC does.
    func chained(_ header: String, _ data: [UInt8]) -> ResponseAPDU {
        let head = [UInt8](hex: header)!
        var offset = 0
        while data.count - offset > 255 {
            let part = Array(data[offset..<offset + 255])
            let answer = send(try! CommandAPDU(cla: head[0] | 0x10, ins: head[1], p1: head[2], p2: head[3], data: part).bytes)
            guard answer.statusWord == .success else { return answer }
            offset += 255
        }
        return exchange(apdu(header, Array(data[offset...]), le: true))
    }

    func selectPIV() -> ResponseAPDU { send("00A4040009A00000030800001000") }
    func selectBanking() -> StatusWord { send("00A4040C06F0554B455901").statusWord }

    /// A PIN or PUK as PIV sends it: FF-padded to 8 bytes.
    static func padded(_ value: String) -> [UInt8] {
        Array(value.utf8) + [UInt8](repeating: 0xFF, count: max(0, 8 - value.utf8.count))
    }

    func verify(_ pin: String = PIVHarness.pin) -> StatusWord { send(apdu("00200080", PIVHarness.padded(pin))).statusWord }
    /// VERIFY without data: 9000 when verified, else 63Cx (or 6983 when blocked).
    var pinStatus: StatusWord { send("00200080").statusWord }

    /// 9B mutual authentication with `key`; returns the second step's status.
    @discardableResult
    func authenticate(key: [UInt8] = PIVHarness.managementKey) -> StatusWord {
        let first = send(apdu("0087039B", [0x7C, 0x02, 0x80, 0x00], le: true))
        guard first.statusWord == .success, first.data.count == 12 else { return first.statusWord }
        let witness = tripleDES(key: key, block: Array(first.data[4...]), encrypt: false)
        let challenge: [UInt8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]
        let second = send(apdu("0087039B", [0x7C, 0x14, 0x80, 0x08] + witness + [0x81, 0x08] + challenge, le: true))
        guard second.statusWord == .success else { return second.statusWord }
        // The card proved the key too.
        guard second.data == [0x7C, 0x0A, 0x82, 0x08] + tripleDES(key: key, block: challenge, encrypt: true) else {
            return .noPreciseDiagnosis
        }
        return .success
    }

    /// GENERATE in `slot`; the `7F49` public key object.
    func generate(slot: UInt8, algorithm: UInt8) -> ResponseAPDU {
        exchange(apdu("004700" + hexByte(slot), [0xAC, 0x03, 0x80, 0x01, algorithm], le: true))
    }

    /// GENERAL AUTHENTICATE with a raw block.
    func sign(slot: UInt8, algorithm: UInt8, block: [UInt8]) -> ResponseAPDU {
        let inner = TLV(tag: 0x82, value: []).bytes + TLV(tag: 0x81, value: block).bytes
        return chained("0087" + hexByte(algorithm) + hexByte(slot), TLV(tag: 0x7C, value: inner).bytes)
    }

    /// GET DATA of an object tag (1 or 3 bytes).
    func getData(_ tag: [UInt8]) -> ResponseAPDU {
        exchange(apdu("00CB3FFF", [0x5C, UInt8(tag.count)] + tag, le: true))
    }

    /// PUT DATA of `value` (the content of `53`) into a 3-byte object.
    func putData(_ tag: [UInt8], _ value: [UInt8]) -> ResponseAPDU {
        chained("00DB3FFF", TLV(tag: 0x5C, value: tag).bytes + TLV(tag: 0x53, value: value).bytes)
    }
}
