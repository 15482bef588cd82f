import BankingApplet
import CardOS
import HostPlatform
import ISO7816
import TokenDevice
import PIVApplet

typealias TestPlatform = HostPlatform<MemoryNVM, ManualClock>

/// A manufactured token in memory, driven APDU by APDU, with power cycles.
final class TokenHarness {
    static let factoryPIN = "123456"
    static let factoryPUK = "87654321"
    static let pin = "24681357"
    static let serial: [UInt8] = [0x55, 0x4B, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]
    static let crypto = OpenSSLCryptoEngine()

    private(set) var memory: MemoryNVM
    private(set) var platform: TestPlatform
    private(set) var firmware: TokenFirmware<TestPlatform>

    /// The NVM records of the banking applet's keys and certificates (0110–0112, 0120–0122),
    /// its layout (0100 = [02]) and counters (0105 transfer, 0106 authentication), as
    /// docs/ARCHITECTURE.md lists them; firmware 1.x kept its one key in 0103, its certificate in 0104.
    static let layoutRecord: RecordID = 0x0100
    static let transferCounterRecord: RecordID = 0x0105
    static let authenticationCounterRecord: RecordID = 0x0106
    static func keyRecord(_ key: BankingKey) -> RecordID { 0x0110 + RecordID(key.rawValue - 1) }
    static func certificateRecord(_ key: BankingKey) -> RecordID { 0x0120 + RecordID(key.rawValue - 1) }

    init() {
        memory = MemoryNVM()
        try! TokenFirmware<TestPlatform>.manufacture(memory, serial: TokenHarness.serial,
                                                     pin: Array(TokenHarness.factoryPIN.utf8),
                                                     puk: Array(TokenHarness.factoryPUK.utf8),
                                                     piv: .wellKnownDefaults)
        (platform, firmware) = TokenHarness.boot(memory)
    }

    /// A token booted from `memory` as it is (e.g. a token made by an earlier firmware).
    init(memory: MemoryNVM) {
        self.memory = memory
        (platform, firmware) = TokenHarness.boot(memory)
    }

    private static func boot(_ memory: MemoryNVM) -> (TestPlatform, TokenFirmware<TestPlatform>) {
        let platform = HostPlatform(memory: memory, crypto: crypto, presence: HostPresence(), clock: ManualClock())
        return (platform, TokenFirmware(platform: platform))
    }

    var card: CardOS<TestPlatform> { firmware.card }

    /// Power goes away and comes back: the NVM keeps only what was committed.
    func powerCycle() {
        memory = memory.powerUp()
        (platform, firmware) = TokenHarness.boot(memory)
    }

    /// What ``send(_:)`` returns when the card sent nothing: power failed during the command's
    /// NVM commit (``CardOutput/noAnswer``). SW 0000 is no status word a card sends.
    static let noAnswer = ResponseAPDU(statusWord: StatusWord(0x0000))

    /// Sends a command that must complete at once (or get no answer, ``noAnswer``).
    @discardableResult
    func send(_ command: [UInt8]) -> ResponseAPDU {
        switch card.process(command) {
        case .response(let bytes): return try! ResponseAPDU(parsing: bytes)
        case .noAnswer: return TokenHarness.noAnswer
        case .waiting: fatalError("the command waits for the holder")
        }
    }

    @discardableResult
    func send(_ hex: String) -> ResponseAPDU { send([UInt8](hex: hex)!) }

    /// The command with the data field's Lc computed, and Le 00 when `le`.
    func apdu(_ header: String, _ data: [UInt8] = [], le: Bool = false) -> [UInt8] {
        let head = [UInt8](hex: header)!
        let command = try! CommandAPDU(cla: head[0], ins: head[1], p1: head[2], p2: head[3], data: data,
                                       ne: le ? (data.count > 255 ? 65_536 : 256) : nil)
        return command.bytes
    }

    func select() { precondition(send("00A4040C06F0554B455901").statusWord == .success) }

    func verify(_ pin: String) -> StatusWord { send(apdu("00200081", Array(pin.utf8))).statusWord }

    func change(_ old: String, to new: String) -> StatusWord {
        send(apdu("00240081", [UInt8(old.utf8.count)] + Array(old.utf8) + [UInt8(new.utf8.count)] + Array(new.utf8))).statusWord
    }

    /// Selects, changes the factory PIN and generates `key`: a token ready to use that key
    /// (the transfer key with the holder's OK on the device). The screens and events of
    /// personalization are forgotten, so a test sees only its own.
    @discardableResult
    func personalize(_ key: BankingKey, algorithm: UInt8 = 0x01) -> [UInt8] {
        select()
        precondition(change(TokenHarness.factoryPIN, to: TokenHarness.pin) == .success)
        let publicKey = generate(key, algorithm: algorithm)
        platform.presence.removeHistory()
        return publicKey
    }

    /// GENERATE KEY `00 47 80 kk {80 01 algo}`.
    func generateCommand(_ key: BankingKey, algorithm: UInt8 = 0x01) -> [UInt8] {
        apdu("004780" + hexByte(key.rawValue), [0x80, 0x01, algorithm], le: true)
    }

    /// GENERATE KEY; returns the `7F49` public-key object (fetching 61xx parts). The transfer
    /// key waits for the holder: OK is pressed on every page, as for CONFIRM TRANSFER.
    func generate(_ key: BankingKey, algorithm: UInt8 = 0x01) -> [UInt8] {
        let response: ResponseAPDU
        switch card.process(generateCommand(key, algorithm: algorithm)) {
        case .response(let bytes):
            precondition(key != .transfer, "GENERATE of the transfer key answered without the holder's OK")
            response = fetchRemaining(try! ResponseAPDU(parsing: bytes))
        case .waiting:
            precondition(key == .transfer, "GENERATE of the \(key) key waits for the holder")
            response = approve()
        case .noAnswer:
            response = TokenHarness.noAnswer
        }
        precondition(response.statusWord == .success, "GENERATE failed: \(response.statusWord)")
        return response.data
    }

    /// READ PUBLIC KEY `00 47 81 kk`.
    func readPublicKey(_ key: BankingKey) -> ResponseAPDU {
        fetchRemaining(send(apdu("004781" + hexByte(key.rawValue), le: true)))
    }

    /// GET DATA token info as TLVs.
    var info: [TLV] { try! TLV.sequence(parsing: send("00CA010000").data) }
    /// C5: the transfer counter (DTBS tag 87), advanced by CONFIRM TRANSFER only.
    var transferCounter: UInt32 { info.first(0xC5)!.value.reduce(0) { $0 << 8 | UInt32($1) } }
    /// CA: the authentication counter, advanced by SIGN and INTERNAL AUTHENTICATE.
    var authenticationCounter: UInt32 { info.first(0xCA)!.value.reduce(0) { $0 << 8 | UInt32($1) } }
    var pinTries: Int { Int(info.first(0xC3)!.value[0]) }
    var pukTries: Int { Int(info.first(0xC4)!.value[0]) }

    /// Sends CONFIRM TRANSFER; the answer is `nil` while the holder decides.
    func confirm(_ body: [UInt8]) -> ResponseAPDU? {
        switch card.process(apdu("80C00000", body, le: true)) {
        case .response(let bytes): return try! ResponseAPDU(parsing: bytes)
        case .noAnswer: return TokenHarness.noAnswer
        case .waiting: return nil
        }
    }

    /// Presses OK through every page; returns the final answer, with any 61xx parts fetched.
    func approve() -> ResponseAPDU {
        while card.isWaiting {
            if let bytes = card.press(.ok) { return fetchRemaining(try! ResponseAPDU(parsing: bytes)) }
        }
        // Power failed while the approved command wrote its NVM: no answer.
        return TokenHarness.noAnswer
    }

    /// Follows 61xx with GET RESPONSE until the whole answer is in.
    func fetchRemaining(_ first: ResponseAPDU) -> ResponseAPDU {
        var response = first
        var data = first.data
        while response.statusWord.sw1 == 0x61 {
            response = send("00C0000000")
            data += response.data
        }
        return ResponseAPDU(data: data, statusWord: response.statusWord)
    }
}

/// A CONFIRM TRANSFER body built field by field (tags 80–85), for valid and invalid transfers.
struct TransferBody {
    var fields: [(UInt32, [UInt8])] = [
        (0x80, Array("DE89370400440532013000".utf8)),
        (0x81, Array("Zhang San".utf8)),
        (0x82, Array("1234.56".utf8)),
        (0x83, Array("CNY".utf8)),
        (0x84, Array("Invoice 42".utf8)),
        (0x85, [UInt8](repeating: 0xC5, count: 16)),
    ]

    func replacing(_ tag: UInt32, with value: [UInt8]) -> TransferBody {
        var copy = self
        copy.fields = fields.map { $0.0 == tag ? ($0.0, value) : $0 }
        return copy
    }

    func replacing(_ tag: UInt32, text: String) -> TransferBody { replacing(tag, with: Array(text.utf8)) }

    var bytes: [UInt8] {
        TLV(tag: 0x70, children: fields.map { TLV(tag: Tag($0.0), value: $0.1) }).bytes
    }
}
