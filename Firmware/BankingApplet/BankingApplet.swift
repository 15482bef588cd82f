import CardOS
import ISO7816

/// The banking applet (AID `F0 55 4B 45 59 01`, "UKEY" v1): one RSA key that never leaves the
/// card, its certificate, a PIN and PUK, a signature counter, and CONFIRM TRANSFER, which signs
/// a transfer only after the holder saw it on the token's screen and pressed OK.
///
/// Command table and rules: docs/ARCHITECTURE.md, "The banking applet".
public final class BankingApplet<P: Platform>: Applet {
    public static var applicationID: [UInt8] { [0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01] }
    /// Firmware version reported in the FCI and GET DATA (major, minor).
    public static var version: [UInt8] { [0x01, 0x00] }
    /// The largest certificate PUT CERTIFICATE accepts.
    public static var maxCertificateSize: Int { 3072 }

    let platform: P
    let pin = PINObject(record: BankingRecords.pin)
    let puk = PINObject(record: BankingRecords.puk)

    // Volatile security state: cleared by reset, power-off and removal; kept across SELECTs.
    var pinVerified = false
    var pendingTransfer: TransferRequest? = nil

    public var aid: [UInt8] { BankingApplet.applicationID }

    public init(platform: P) {
        self.platform = platform
    }

    /// The NVM records of a new token's banking applet: PIN and PUK with 3 tries each, the PIN
    /// flagged must-change, counter 0. The caller commits them with the serial in one transaction.
    public static func factoryRecords(pin: [UInt8], puk: [UInt8]) -> [(RecordID, [UInt8]?)] {
        [
            (BankingRecords.pin, PINRecord(value: pin, maxTries: 3, mustChange: true).bytes),
            (BankingRecords.puk, PINRecord(value: puk, maxTries: 3, mustChange: false).bytes),
            (BankingRecords.counter, [0, 0, 0, 0]),
        ]
    }

    /// Whether `pin` has the PIN format: 6–16 ASCII digits.
    public static func isValidPIN(_ pin: [UInt8]) -> Bool { isDigits(pin, 6...16) }
    /// Whether `puk` has the PUK format: 8–16 ASCII digits.
    public static func isValidPUK(_ puk: [UInt8]) -> Bool { isDigits(puk, 8...16) }

    static func isDigits(_ bytes: [UInt8], _ lengths: ClosedRange<Int>) -> Bool {
        lengths.contains(bytes.count) && bytes.allSatisfy { (0x30...0x39).contains($0) }
    }

    // MARK: Applet

    public func select() throws(StatusWord) -> [UInt8] {
        TLV(tag: 0x6F, children: [
            TLV(tag: 0x84, value: aid),
            TLV(tag: 0xA5, children: [TLV(tag: 0xC0, value: serial), TLV(tag: 0xC1, value: BankingApplet.version)]),
        ]).bytes
    }

    public func process(_ command: CommandAPDU) throws(StatusWord) -> AppletReply {
        if command.ins == 0xC0 {
            guard command.cla == 0x80 else { throw .claNotSupported }
            try expect(command, p1p2: 0x0000)
            return try confirmTransfer(command.data)
        }
        guard BankingApplet.isoInstructions.contains(command.ins) else { throw .insNotSupported }
        guard command.cla == 0x00 else { throw .claNotSupported }
        switch command.ins {
        case 0x20: try expect(command, p1p2: 0x0081); return .data(try verifyPIN(command.data))
        case 0x24: try expect(command, p1p2: 0x0081); return .data(try changePIN(command.data))
        case 0x2C: try expect(command, p1p2: 0x0081); return .data(try unblockPIN(command.data))
        case 0x47: return .data(try asymmetricKeyPair(command))
        case 0xCA: return .data(try getData(command))
        case 0xDA: try expect(command, p1p2: 0x0110); return .data(try putCertificate(command.data))
        case 0x2A: return .data(try performSecurityOperation(command))
        case 0x88: try expect(command, p1p2: 0x0000); return .data(try internalAuthenticate(command.data))
        default: try expect(command, p1p2: 0x0000); return .data(try getChallenge(command))
        }
    }

    public func complete(_ decision: HolderDecision) throws(StatusWord) -> [UInt8] {
        try completeTransfer(decision)
    }

    public func reset() {
        pinVerified = false
        pendingTransfer = nil
    }

    // MARK: Shared checks

    /// VERIFY, CHANGE, UNBLOCK, GENERATE/READ KEY, GET DATA, PUT DATA, PSO, INTERNAL AUTHENTICATE, GET CHALLENGE.
    static var isoInstructions: [UInt8] { [0x20, 0x24, 0x2C, 0x47, 0xCA, 0xDA, 0x2A, 0x88, 0x84] }

    func expect(_ command: CommandAPDU, p1p2: UInt16) throws(StatusWord) {
        guard UInt16(command.p1) << 8 | UInt16(command.p2) == p1p2 else { throw .wrongP1P2 }
    }

    /// The PIN has been verified since power-up (PUT CERTIFICATE).
    func requirePIN() throws(StatusWord) {
        guard pinVerified else { throw .securityStatusNotSatisfied }
    }

    /// The PIN has been verified and is no longer the factory PIN (every use of the private key).
    func requirePersonalizedPIN() throws(StatusWord) {
        guard pinVerified, pin.read(from: platform.memory)?.mustChange == false else {
            throw .securityStatusNotSatisfied
        }
    }

    var serial: [UInt8] { platform.memory.read(CardRecords.serial) ?? [] }

    /// The card's key; a record of another algorithm is no key.
    var storedKey: KeyRecord? {
        guard let key = platform.memory.read(BankingRecords.key).flatMap(KeyRecord.init(bytes:)),
              KeyAlgorithm(rawValue: key.algorithm) != nil else { return nil }
        return key
    }

    func requireKey() throws(StatusWord) -> KeyRecord {
        guard let key = storedKey else { throw .referencedDataNotFound }
        return key
    }

    var counter: UInt32 {
        guard let bytes = platform.memory.read(BankingRecords.counter), bytes.count == 4 else { return 0 }
        return bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Advances the signature counter and commits it *before* any signature leaves the card, so
    /// that no counter value is ever used twice, even across power loss.
    func advanceCounter() throws(StatusWord) -> UInt32 {
        let current = counter
        guard current < UInt32.max else { throw .referenceDataNotUsable }
        let next = current + 1
        try platform.memory.commitRecords([(BankingRecords.counter,
            [UInt8(next >> 24), UInt8(next >> 16 & 0xFF), UInt8(next >> 8 & 0xFF), UInt8(next & 0xFF)])])
        return next
    }

    /// PKCS#1 v1.5 signature of a DigestInfo with the card's key.
    func sign(_ digestInfo: [UInt8], with key: KeyRecord) throws(StatusWord) -> [UInt8] {
        do {
            return try platform.crypto.signPKCS1(key: key.blob, digestInfo: digestInfo)
        } catch {
            throw .noPreciseDiagnosis
        }
    }
}
