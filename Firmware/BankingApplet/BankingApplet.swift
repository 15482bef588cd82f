import CardOS
import ISO7816
import BankingProtocol

/// The banking applet (AID `F0 55 4B 45 59 01`, "UKEY" v1): three RSA key pairs that never
/// leave the card, each for one purpose (``BankingKey``), their certificates, a PIN and PUK, a
/// transfer counter and an authentication counter, and CONFIRM TRANSFER, which signs a transfer
/// only after the holder saw it on the token's screen and pressed OK.
///
/// Command table and rules: docs/ARCHITECTURE.md, "The banking applet".
public final class BankingApplet<P: Platform>: Applet {
    public static var applicationID: [UInt8] { BankingWire.aid }
    /// Firmware version reported in the FCI and GET DATA (major, minor).
    public static var version: [UInt8] { [0x02, 0x00] }
    /// The largest certificate PUT CERTIFICATE accepts.
    public static var maxCertificateSize: Int { 3072 }

    let platform: P
    let pin = PINObject(record: BankingRecords.pin)
    let puk = PINObject(record: BankingRecords.puk)

    /// A command waiting for the holder's decision on the device.
    enum Pending {
        case transfer(TransferRequest)
        case transferKeyGeneration(KeyAlgorithm)
    }

    // Volatile security state: cleared by reset, power-off and removal; kept across SELECTs.
    var pinVerified = false
    var pending: Pending? = nil

    public var aid: [UInt8] { BankingApplet.applicationID }

    public init(platform: P) {
        self.platform = platform
    }

    /// The NVM records of a new token's banking applet: the layout, the PIN-entry policy, PIN
    /// and PUK with 3 tries each, the PIN flagged must-change, both counters 0, no keys. The caller commits them with
    /// the serial in one transaction.
    public static func factoryRecords(pin: [UInt8], puk: [UInt8],
                                      pinEntry: PINEntryPolicy = .both) -> [(RecordID, [UInt8]?)] {
        // The default policy is the absent record, as on tokens made before the policy existed.
        let policy: [(RecordID, [UInt8]?)] = pinEntry == .both ? [] : [(BankingRecords.pinEntryPolicy, [pinEntry.rawValue])]
        return policy + [
            (BankingRecords.layout, BankingRecords.currentLayout),
            (BankingRecords.pin, PINRecord(value: pin, maxTries: 3, mustChange: true).bytes),
            (BankingRecords.puk, PINRecord(value: puk, maxTries: 3, mustChange: false).bytes),
            (BankingRecords.transferCounter, [0, 0, 0, 0]),
            (BankingRecords.authenticationCounter, [0, 0, 0, 0]),
        ]
    }

    /// Whether `memory` holds a token made by firmware 1.x, whose one key served every command
    /// (DECIPHER included): it must be re-personalized, never upgraded.
    public static func isOutdated(_ memory: some NonVolatileMemory) -> Bool {
        memory.read(BankingRecords.layout) != BankingRecords.currentLayout
    }

    /// Whether `pin` has the PIN format: 6–16 ASCII digits.
    public static func isValidPIN(_ pin: [UInt8]) -> Bool { isDigits(pin, 6...16) }
    /// Whether `puk` has the PUK format: 8–16 ASCII digits.
    public static func isValidPUK(_ puk: [UInt8]) -> Bool { isDigits(puk, 8...16) }

    static func isDigits(_ bytes: [UInt8], _ lengths: ClosedRange<Int>) -> Bool {
        lengths.contains(bytes.count) && bytes.allSatisfy { (0x30...0x39).contains($0) }
    }

    // MARK: Applet

    /// SELECT answers the FCI; on a token of firmware 1.x it answers 6283 (selected file
    /// deactivated) and the applet stays unselected, so none of its commands run.
    public func select() throws(StatusWord) -> [UInt8] {
        guard !BankingApplet.isOutdated(platform.memory) else { throw .applicationDeactivated }
        return TLV(tag: BankingWire.FCITag.fci, children: [
            TLV(tag: BankingWire.FCITag.aid, value: aid),
            TLV(tag: BankingWire.FCITag.proprietary, children: [TLV(tag: BankingWire.InfoTag.serial, value: serial),
                                                                TLV(tag: BankingWire.InfoTag.version, value: BankingApplet.version)]),
        ]).bytes
    }

    public func process(_ command: CommandAPDU) throws(StatusWord) -> AppletReply {
        guard !BankingApplet.isOutdated(platform.memory) else { throw .applicationDeactivated }
        switch command.ins {
        case BankingWire.Instruction.confirmTransfer:
            guard command.cla == BankingWire.proprietaryClass else { throw .claNotSupported }
            try expect(command, p1p2: 0x0000)
            return try confirmTransfer(command.data)
        case BankingWire.Instruction.certificationRequest where command.cla == BankingWire.proprietaryClass:
            return .data(try certificationRequest(command))
        case BankingWire.Instruction.setPINEntryPolicy where command.cla == BankingWire.proprietaryClass:
            return .data(try setPINEntryPolicy(command))
        default:
            break
        }
        guard BankingApplet.isoInstructions.contains(command.ins) else { throw .insNotSupported }
        guard command.cla == 0x00 else { throw .claNotSupported }
        switch command.ins {
        case BankingWire.Instruction.verify: try expect(command, p1p2: BankingWire.P1P2.pin); return .data(try verifyPIN(command.data))
        case BankingWire.Instruction.changeReferenceData where command.p1p2 == BankingWire.P1P2.keypadPIN:
            return .data(try changePIN(BankingApplet.splitKeypadBlocks(command.data)))
        case BankingWire.Instruction.changeReferenceData:
            try expect(command, p1p2: BankingWire.P1P2.pin); return .data(try changePIN(BankingApplet.splitPair(command.data)))
        case BankingWire.Instruction.resetRetryCounter where command.p1p2 == BankingWire.P1P2.keypadPIN:
            return .data(try unblockPIN(BankingApplet.splitKeypadBlocks(command.data)))
        case BankingWire.Instruction.resetRetryCounter:
            try expect(command, p1p2: BankingWire.P1P2.pin); return .data(try unblockPIN(BankingApplet.splitPair(command.data)))
        case BankingWire.Instruction.asymmetricKeyPair: return try asymmetricKeyPair(command)
        case BankingWire.Instruction.getData: return .data(try getData(command))
        case BankingWire.Instruction.putData: return .data(try putCertificate(command))
        case BankingWire.Instruction.performSecurityOperation: return .data(try performSecurityOperation(command))
        case BankingWire.Instruction.internalAuthenticate:
            try expect(command, p1p2: 0x0000); return .data(try internalAuthenticate(command.data))
        default: try expect(command, p1p2: 0x0000); return .data(try getChallenge(command))
        }
    }

    public func complete(_ decision: HolderDecision) throws(StatusWord) -> [UInt8] {
        guard let waiting = pending else { throw .noPreciseDiagnosis }
        pending = nil
        switch decision {
        case .approved: break
        case .denied: throw .conditionsNotSatisfied
        case .timedOut: throw .timeout
        case .aborted: throw .noPreciseDiagnosis
        }
        switch waiting {
        case .transfer(let transfer): return try signTransfer(transfer)
        case .transferKeyGeneration(let algorithm): return try generate(.transfer, algorithm)
        }
    }

    public func reset() {
        pinVerified = false
        pending = nil
    }

    // MARK: Shared checks

    /// VERIFY, CHANGE, UNBLOCK, GENERATE/READ KEY, GET DATA, PUT DATA, PSO, INTERNAL AUTHENTICATE, GET CHALLENGE.
    static var isoInstructions: [UInt8] {
        [BankingWire.Instruction.verify, BankingWire.Instruction.changeReferenceData, BankingWire.Instruction.resetRetryCounter,
         BankingWire.Instruction.asymmetricKeyPair, BankingWire.Instruction.getData, BankingWire.Instruction.putData,
         BankingWire.Instruction.performSecurityOperation, BankingWire.Instruction.internalAuthenticate,
         BankingWire.Instruction.getChallenge]
    }

    func expect(_ command: CommandAPDU, p1p2: UInt16) throws(StatusWord) {
        guard command.p1p2 == p1p2 else { throw .wrongP1P2 }
    }

    /// The PIN has been verified since power-up (PUT CERTIFICATE).
    func requirePIN() throws(StatusWord) {
        guard pinVerified else { throw .securityStatusNotSatisfied }
    }

    /// The PIN has been verified and is no longer the factory PIN (every use of a private key).
    func requirePersonalizedPIN() throws(StatusWord) {
        guard pinVerified, pin.read(from: platform.memory)?.mustChange == false else {
            throw .securityStatusNotSatisfied
        }
    }

    var serial: [UInt8] { platform.memory.read(CardRecords.serial) ?? [] }

    /// The key pair of `key`; a record of another algorithm is no key.
    func storedKey(_ key: BankingKey) -> KeyRecord? {
        guard let record = platform.memory.read(BankingRecords.key(key)).flatMap(KeyRecord.init(bytes:)),
              KeyAlgorithm(rawValue: record.algorithm) != nil else { return nil }
        return record
    }

    func requireKey(_ key: BankingKey) throws(StatusWord) -> KeyRecord {
        guard let record = storedKey(key) else { throw .referencedDataNotFound }
        return record
    }

    func counter(_ record: RecordID) -> UInt32 {
        guard let bytes = platform.memory.read(record), bytes.count == 4 else { return 0 }
        return bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Advances a counter and commits it *before* any signature leaves the card, so that no
    /// counter value is ever used twice, even across power loss.
    func advance(_ record: RecordID) throws(StatusWord) -> UInt32 {
        let current = counter(record)
        guard current < UInt32.max else { throw .referenceDataNotUsable }
        let next = current + 1
        try platform.memory.commitRecords([(record, BankingApplet.bigEndian(next))])
        return next
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// PKCS#1 v1.5 signature of a DigestInfo with `key`. Every caller names the key it was given
    /// for its purpose; no caller passes a key chosen by the command.
    func sign(_ digestInfo: [UInt8], with key: KeyRecord) throws(StatusWord) -> [UInt8] {
        do {
            return try platform.crypto.signPKCS1(key: key.blob, digestInfo: digestInfo)
        } catch {
            throw .noPreciseDiagnosis
        }
    }
}
