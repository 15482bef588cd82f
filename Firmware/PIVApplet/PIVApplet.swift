import CardOS
import ISO7816
import PIVProtocol

/// The PIV applet (NIST SP 800-73-4, the subset stock OpenSC, yubico-piv-tool and PKCS#11 TLS
/// clients use): four RSA key slots with certificates, a PIN and PUK of its own, and the 9B
/// management key that guards key generation and object writes.
///
/// Its keys are not the banking key: no PIV command reaches the banking applet's records, and a
/// PIV signature is a raw RSA operation for anyone holding the PIN, never a confirmed transfer.
/// Command table and rules: docs/ARCHITECTURE.md, "The PIV applet".
public final class PIVApplet<P: Platform>: Applet {
    /// `A0 00 00 03 08 00 00 10 00 01 00`: NIST's RID, the PIV PIX and version 01 00.
    public static var applicationID: [UInt8] { PIVDataObjects.applicationID }
    /// The largest certificate object PUT DATA accepts (an RSA-2048 certificate is about 1.2 KB).
    public static var maxObjectSize: Int { 4096 }

    let platform: P
    let pin = PINObject(record: PIVRecords.pin)
    let puk = PINObject(record: PIVRecords.puk)

    // Volatile security state: cleared by reset, power-off and removal; kept across SELECTs.
    /// The PIN was verified since the last reset (slots 9A and 9D).
    var pinVerified = false
    /// A VERIFY that the next slot-9C operation may use; consumed by it.
    var pinAlwaysGrant = false
    /// The 9B management key was proven since the last reset (GENERATE, PUT DATA).
    var managementKeyAuthenticated = false
    /// The open step of a 9B authentication; any other command ends it.
    var pendingAuthentication: PendingAuthentication? = nil

    public var aid: [UInt8] { PIVApplet.applicationID }

    public init(platform: P) {
        self.platform = platform
    }

    // MARK: Applet

    /// The application property template: `61 {4F PIX+version, 79 {4F RID+PIX}}`.
    public func select() throws(StatusWord) -> [UInt8] {
        TLV(tag: 0x61, children: [
            TLV(tag: 0x4F, value: Array(PIVApplet.applicationID[5...])),
            TLV(tag: 0x79, children: [TLV(tag: 0x4F, value: Array(PIVApplet.applicationID[..<5]))]),
        ]).bytes
    }

    public func process(_ command: CommandAPDU) throws(StatusWord) -> AppletReply {
        // A 9B authentication is two consecutive commands: anything else in between ends it.
        let pending = pendingAuthentication
        pendingAuthentication = nil
        guard PIVApplet.instructions.contains(command.ins) else { throw .insNotSupported }
        guard command.cla == 0x00 else { throw .claNotSupported }
        switch command.ins {
        case 0x20: return .data(try verify(command))
        case 0x24: return .data(try changeReference(command))
        case 0x2C: return .data(try resetRetryCounter(command))
        case 0x87: return .data(try generalAuthenticate(command, pending: pending))
        case 0x47: return .data(try generate(command))
        case 0xCB: return .data(try getData(command))
        default: return .data(try putData(command))
        }
    }

    /// No PIV command asks the holder: nothing is ever open.
    public func complete(_ decision: HolderDecision) throws(StatusWord) -> [UInt8] {
        throw .conditionsNotSatisfied
    }

    public func reset() {
        pinVerified = false
        pinAlwaysGrant = false
        managementKeyAuthenticated = false
        pendingAuthentication = nil
    }

    // MARK: Shared checks

    /// VERIFY, CHANGE REFERENCE, RESET RETRY COUNTER, GENERAL AUTHENTICATE, GENERATE, GET DATA, PUT DATA.
    static var instructions: [UInt8] { [0x20, 0x24, 0x2C, 0x87, 0x47, 0xCB, 0xDB] }

    func expect(_ command: CommandAPDU, p1p2: UInt16) throws(StatusWord) {
        guard UInt16(command.p1) << 8 | UInt16(command.p2) == p1p2 else { throw .wrongP1P2 }
    }

    /// The slot named by P2.
    func slot(_ p2: UInt8) throws(StatusWord) -> PIVSlot {
        guard let slot = PIVSlot(rawValue: p2) else { throw .wrongP1P2 }
        return slot
    }

    /// The management key was proven (GENERATE, PUT DATA).
    func requireManagementKey() throws(StatusWord) {
        guard managementKeyAuthenticated else { throw .securityStatusNotSatisfied }
    }

    /// The PIN rule of `slot`; a 9C use consumes its VERIFY.
    func requirePIN(for slot: PIVSlot) throws(StatusWord) {
        switch slot.pinPolicy {
        case .never:
            return
        case .once:
            guard pinVerified else { throw .securityStatusNotSatisfied }
        case .always:
            guard pinVerified, pinAlwaysGrant else { throw .securityStatusNotSatisfied }
            pinAlwaysGrant = false
        }
    }

    /// The slot's key; a record that is not an RSA key of a PIV algorithm is no key.
    func storedKey(_ slot: PIVSlot) -> KeyRecord? {
        guard let key = platform.memory.read(PIVRecords.key(slot)).flatMap(KeyRecord.init(bytes:)),
              PIVAlgorithm(rawValue: key.algorithm)?.rsaBits != nil else { return nil }
        return key
    }

    var serial: [UInt8] { platform.memory.read(CardRecords.serial) ?? [] }
}

/// The first step of a 9B authentication, waiting for the second.
struct PendingAuthentication {
    enum Kind {
        /// Mutual: the card sent E(witness); the host must answer with the witness.
        case witness
        /// External: the card sent a challenge; the host must answer with E(challenge).
        case challenge
    }

    var kind: Kind
    var value: [UInt8]
}
