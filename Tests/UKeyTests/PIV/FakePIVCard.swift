import COpenSSL
import ISO7816
import Synchronization
import UKey

/// A PIV applet written from PIV-INTERFACE.md alone, in the test, so the host code is checked
/// against the interface rather than against itself: SELECT, GET/PUT DATA (chained), VERIFY,
/// CHANGE REFERENCE, RESET RETRY COUNTER, 9B mutual authentication (3DES in libcrypto, here),
/// GENERATE (RSA-2048 answers need 61xx + GET RESPONSE) and raw RSA. Records every APDU.
final class FakePIVCard: CardChannel {
    struct State {
        var received: [[UInt8]] = []
        var pin: [UInt8] = Array("123456".utf8) + [0xFF, 0xFF]
        var puk: [UInt8] = Array("12345678".utf8)
        var pinTries = 3
        var pukTries = 3
        var pinVerified = false
        var managementKeyAuthenticated = false
        var witness: [UInt8]? = nil
        var keys: [UInt8: TestRSAKey] = [:]
        var objects: [[UInt8]: [UInt8]] = [:]
        var chained: [UInt8] = []
        var pending: [UInt8] = []
        /// The next witness the card picks (fixed, so a test can check the exact APDUs).
        var nextWitness: [UInt8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]
    }

    let state = Mutex(State())
    let managementKey: [UInt8]
    static let defaultManagementKey: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8]
    static let serial: [UInt8] = [0x55, 0x4B, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2A]

    init(managementKey: [UInt8] = defaultManagementKey) {
        self.managementKey = managementKey
        // CHUID: FASC-N, GUID = 8 zero bytes + serial, expiry, empty signature, LRC.
        let chuid = TLV(tag: 0x30, value: [UInt8](repeating: 0xD4, count: 25)).bytes
            + TLV(tag: 0x34, value: [UInt8](repeating: 0, count: 8) + Self.serial).bytes
            + TLV(tag: 0x35, value: Array("20991231".utf8)).bytes + TLV(tag: 0x3E, value: []).bytes + TLV(tag: 0xFE, value: []).bytes
        state.withLock { $0.objects[[0x5F, 0xC1, 0x02]] = chuid }
    }

    var received: [[UInt8]] { state.withLock { $0.received } }

    func transmit(_ command: [UInt8]) async throws(TokenError) -> [UInt8] {
        state.withLock { state in
            state.received.append(command)
            let (data, sw) = Self.process(command, &state, managementKey: managementKey)
            if data.count > 256 {
                state.pending = Array(data[256...])
                return Array(data[..<256]) + [0x61, UInt8(truncatingIfNeeded: min(state.pending.count, 256))]
            }
            return data + sw.bytes
        }
    }

    private static func process(_ bytes: [UInt8], _ s: inout State, managementKey: [UInt8]) -> ([UInt8], StatusWord) {
        guard let apdu = try? CommandAPDU(parsing: bytes) else { return ([], .wrongLength) }
        if apdu.ins == 0xC0 {
            let part = Array(s.pending.prefix(256))
            s.pending.removeFirst(part.count)
            return (part, s.pending.isEmpty ? .success : StatusWord(sw1: 0x61, sw2: UInt8(truncatingIfNeeded: min(s.pending.count, 256))))
        }
        if apdu.cla == 0x10 {
            s.chained += apdu.data
            return ([], .success)
        }
        guard apdu.cla == 0x00 else { return ([], .claNotSupported) }
        let data = s.chained + apdu.data
        s.chained = []
        switch apdu.ins {
        case 0xA4: return ([0x61, 0x11, 0x4F, 0x06, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00, 0x79, 0x07, 0x4F, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08], .success)
        case 0xCB:
            guard let tag = try? TLV(parsing: data), tag.tag == 0x5C, let object = s.objects[tag.value] else { return ([], .fileNotFound) }
            return (TLV(tag: 0x53, value: object).bytes, .success)
        case 0xDB:
            guard s.managementKeyAuthenticated else { return ([], .securityStatusNotSatisfied) }
            guard let objects = try? TLV.sequence(parsing: data), objects.count == 2, objects[0].tag == 0x5C, objects[1].tag == 0x53
            else { return ([], .wrongData) }
            s.objects[objects[0].value] = objects[1].value.isEmpty ? nil : objects[1].value
            return ([], .success)
        case 0x20:
            if data.isEmpty {
                if s.pinTries == 0 { return ([], .authenticationMethodBlocked) }
                return ([], s.pinVerified ? .success : .verificationFailed(triesLeft: s.pinTries))
            }
            guard data.count == 8 else { return ([], .wrongLength) }
            return check(&s.pinTries, data == s.pin) { s.pinVerified = true }
        case 0x24 where apdu.p2 == 0x80:
            guard data.count == 16 else { return ([], .wrongLength) }
            let new = Array(data[8...])
            return check(&s.pinTries, Array(data[..<8]) == s.pin) { s.pin = new }
        case 0x24 where apdu.p2 == 0x81:
            guard data.count == 16 else { return ([], .wrongLength) }
            let new = Array(data[8...])
            return check(&s.pukTries, Array(data[..<8]) == s.puk) { s.puk = new }
        case 0x2C:
            guard data.count == 16 else { return ([], .wrongLength) }
            let new = Array(data[8...])
            return check(&s.pukTries, Array(data[..<8]) == s.puk) {
                s.pin = new
                s.pinTries = 3
                s.pinVerified = false
            }
        case 0x87 where apdu.p2 == 0x9B: return mutualAuthentication(data, &s, managementKey: managementKey)
        case 0x87:
            guard let key = s.keys[apdu.p2] else { return ([], .referencedDataNotFound) }
            guard s.pinVerified || apdu.p2 == 0x9E else { return ([], .securityStatusNotSatisfied) }
            if apdu.p2 == 0x9C { s.pinVerified = false }
            guard let template = try? TLV(parsing: data), let fields = try? template.children(), fields.count == 2,
                  fields[0].tag == 0x82, let block = fields.first(0x81)
            else { return ([], .wrongData) }
            guard apdu.p1 == (key.publicKey.bitCount == 2048 ? 0x07 : 0x06) else { return ([], .wrongP1P2) }
            return (TLV(tag: 0x7C, children: [TLV(tag: 0x82, value: key.rawRSA(block.value))]).bytes, .success)
        case 0x47:
            guard s.managementKeyAuthenticated else { return ([], .securityStatusNotSatisfied) }
            guard data == [0xAC, 0x03, 0x80, 0x01, 0x06] || data == [0xAC, 0x03, 0x80, 0x01, 0x07] else { return ([], .wrongData) }
            let key = try! TestRSAKey(bits: data[4] == 0x07 ? 2048 : 1024)
            s.keys[apdu.p2] = key
            return (key.publicKey.publicKeyTemplate, .success)
        default: return ([], .insNotSupported)
        }
    }

    /// Tries committed before comparing; a success restores them.
    private static func check(_ tries: inout Int, _ matches: Bool, onSuccess: () -> Void) -> ([UInt8], StatusWord) {
        guard tries > 0 else { return ([], .authenticationMethodBlocked) }
        tries -= 1
        guard matches else { return ([], tries == 0 ? .authenticationMethodBlocked : .verificationFailed(triesLeft: tries)) }
        tries = 3
        onSuccess()
        return ([], .success)
    }

    private static func mutualAuthentication(_ data: [UInt8], _ s: inout State, managementKey: [UInt8]) -> ([UInt8], StatusWord) {
        guard let template = try? TLV(parsing: data), let fields = try? template.children() else { return ([], .wrongData) }
        if fields.count == 1, fields[0].tag == 0x80, fields[0].value.isEmpty {
            s.witness = s.nextWitness
            return (TLV(tag: 0x7C, children: [TLV(tag: 0x80, value: tripleDES(managementKey, s.nextWitness, encrypt: true))]).bytes, .success)
        }
        guard fields.count == 2, let witness = fields.first(0x80), let challenge = fields.first(0x81), challenge.value.count == 8 else {
            return ([], .wrongData)
        }
        defer { s.witness = nil }
        guard let expected = s.witness, witness.value == expected else { return ([], .securityStatusNotSatisfied) }
        s.managementKeyAuthenticated = true
        return (TLV(tag: 0x7C, children: [TLV(tag: 0x82, value: tripleDES(managementKey, challenge.value, encrypt: true))]).bytes, .success)
    }

    /// 3DES-ECB of one block through libcrypto, independent of UKey's own code.
    static func tripleDES(_ key: [UInt8], _ block: [UInt8], encrypt: Bool) -> [UInt8] {
        let context = EVP_CIPHER_CTX_new()
        defer { EVP_CIPHER_CTX_free(context) }
        var output = [UInt8](repeating: 0, count: 16)
        var length: Int32 = 0
        precondition(EVP_CipherInit_ex(context, EVP_des_ede3_ecb(), nil, key, nil, encrypt ? 1 : 0) == 1)
        EVP_CIPHER_CTX_set_padding(context, 0)
        precondition(EVP_CipherUpdate(context, &output, &length, block, 8) == 1 && length == 8)
        return Array(output.prefix(8))
    }
}
