import CardOS
import ISO7816
import OATHProtocol

/// The OATH applet (Yubico's YKOATH protocol, which ykman, yubikit-python and Yubico
/// Authenticator speak): up to 64 HOTP (RFC 4226) and TOTP (RFC 6238) credentials, an optional
/// access key, and "require touch" answered with the token's OK button.
///
/// Its secrets are HMAC keys that make one-time passwords and nothing else: no OATH command
/// reaches another applet's records, and an OTP (6–8 digits, or an HMAC over the host's
/// challenge) is no RSA signature, so it cannot pass the banking applet's transfer or
/// authentication verifiers (docs/ARCHITECTURE.md, "The OATH applet").
public final class OATHApplet<P: Platform>: Applet {
    let platform: P

    // Volatile state: cleared by reset, power-off, removal and (the first two) SELECT.
    /// The access key was proven (VALIDATE) since the last SELECT.
    var authenticated = false
    /// The challenge SELECT sent, for the next VALIDATE; one try.
    var cardChallenge: [UInt8]? = nil
    /// A CALCULATE waiting for the holder's OK.
    var pendingTouch: PendingCalculation? = nil
    /// The real-time clock (battery-backed: kept across resets), for codes on the screen.
    var realTime: RealTime? = nil

    public var aid: [UInt8] { OATHWire.aid }
    public var sendRemainingInstruction: UInt8? { OATHWire.Instruction.sendRemaining }
    /// CALCULATE ALL is `00 A4 00 P2`: SELECT's INS with P1 00.
    public var takesA4WithoutSelectP1: Bool { true }

    public init(platform: P) {
        self.platform = platform
    }

    // MARK: Applet

    /// `79 version, 71 salt`, and with an access key `74 challenge, 7B algorithm`.
    public func select() throws(StatusWord) -> [UInt8] {
        authenticated = false
        cardChallenge = nil
        var answer = [TLV(tag: OATHWire.Tag.version, value: OATHWire.version), TLV(tag: OATHWire.Tag.name, value: salt)]
        if let access = accessKey {
            let challenge = try random(8)
            cardChallenge = challenge
            answer.append(TLV(tag: OATHWire.Tag.challenge, value: challenge))
            answer.append(TLV(tag: OATHWire.Tag.algorithm, value: [access.algorithm.rawValue]))
        }
        var bytes: [UInt8] = []
        for tlv in answer { bytes += tlv.bytes }
        return bytes
    }

    public func process(_ command: CommandAPDU) throws(StatusWord) -> AppletReply {
        guard command.cla == 0x00 else { throw .claNotSupported }
        let ins = command.ins
        // With an access key set, only VALIDATE and RESET work before VALIDATE succeeded.
        if accessKey != nil && !authenticated && ins != OATHWire.Instruction.validate && ins != OATHWire.Instruction.reset {
            guard OATHApplet.instructions.contains(ins) else { throw .insNotSupported }
            throw .securityStatusNotSatisfied
        }
        switch ins {
        case OATHWire.Instruction.put: return .data(try put(command))
        case OATHWire.Instruction.delete: return .data(try delete(command))
        case OATHWire.Instruction.setCode: return .data(try setCode(command))
        case OATHWire.Instruction.reset: return .data(try resetApplet(command))
        case OATHWire.Instruction.rename: return .data(try rename(command))
        case OATHWire.Instruction.list: return .data(try list(command))
        case OATHWire.Instruction.calculate: return try calculate(command)
        case OATHWire.Instruction.validate: return .data(try validate(command))
        case OATHWire.Instruction.calculateAll: return .data(try calculateAll(command))
        default: throw .insNotSupported
        }
    }

    public func complete(_ decision: HolderDecision) throws(StatusWord) -> [UInt8] {
        guard let waiting = pendingTouch else { throw .noPreciseDiagnosis }
        pendingTouch = nil
        switch decision {
        case .approved: break
        // A YubiKey answers a touch that never came with 6982.
        case .denied, .timedOut: throw .securityStatusNotSatisfied
        case .aborted: throw .noPreciseDiagnosis
        }
        return try finishCalculation(waiting)
    }

    public func reset() {
        authenticated = false
        cardChallenge = nil
        pendingTouch = nil
    }

    // MARK: Shared

    /// PUT, DELETE, SET CODE, RESET, RENAME, LIST, CALCULATE, VALIDATE, CALCULATE ALL.
    static var instructions: [UInt8] { [0x01, 0x02, 0x03, 0x04, 0x05, 0xA1, 0xA2, 0xA3, 0xA4] }

    func expect(_ command: CommandAPDU, p1p2: UInt16) throws(StatusWord) {
        guard UInt16(command.p1) << 8 | UInt16(command.p2) == p1p2 else { throw .wrongP1P2 }
    }

    /// The command's TLVs; a malformed list is 6A80 (YKOATH's "wrong syntax").
    func fields(_ data: [UInt8]) throws(StatusWord) -> [TLV] {
        do { return try TLV.sequence(parsing: data) } catch { throw .wrongData }
    }

    func random(_ count: Int) throws(StatusWord) -> [UInt8] {
        do { return try platform.crypto.randomBytes(count) } catch { throw .noPreciseDiagnosis }
    }

    func hmac(_ hash: HMACHash, key: [UInt8], data: [UInt8]) throws(StatusWord) -> [UInt8] {
        do { return try platform.crypto.hmac(hash, key: key, data: data) } catch { throw .noPreciseDiagnosis }
    }

    /// The salt SELECT answers as tag 71. A token that never had a RESET derives it from its
    /// serial, so it is stable without writing NVM at SELECT.
    var salt: [UInt8] {
        if let stored = platform.memory.read(OATHRecords.salt), stored.count == 8 { return stored }
        let serial = platform.memory.read(CardRecords.serial) ?? []
        return Array(platform.crypto.sha256(Array("UKey OATH salt".utf8) + serial).prefix(8))
    }

    /// The access key, when one is set.
    var accessKey: (algorithm: OATHWire.Algorithm, key: [UInt8])? {
        guard let record = platform.memory.read(OATHRecords.accessKey), record.count >= 2,
              let algorithm = OATHWire.Algorithm(rawValue: record[0] & 0x0F) else { return nil }
        return (algorithm, Array(record[1...]))
    }

    /// Every stored credential with its slot, in slot order.
    var credentials: [(index: Int, credential: OATHCredential)] {
        var found: [(index: Int, credential: OATHCredential)] = []
        for index in 0..<OATHRecords.capacity {
            if let bytes = platform.memory.read(OATHRecords.credential(index)), let credential = OATHCredential(record: bytes) {
                found.append((index, credential))
            }
        }
        return found
    }

    /// The slot and credential named `name`.
    func find(_ name: [UInt8]) -> (index: Int, credential: OATHCredential)? {
        credentials.first { $0.credential.name == name }
    }
}

extension OATHWire.Algorithm {
    var hash: HMACHash {
        switch self {
        case .sha1: return .sha1
        case .sha256: return .sha256
        case .sha512: return .sha512
        }
    }
}

/// A CALCULATE waiting for the holder's OK.
struct PendingCalculation {
    var index: Int
    var challenge: [UInt8]
    var truncate: Bool
}
