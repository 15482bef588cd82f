import CardOS
import FuzzSupport
import ISO7816

/// A fuzz input read as a script for a token: the first byte picks the starting token (bit 1:
/// outdated, a token of firmware 1.x; else bit 0: personalized, else factory-fresh), then each step starts with an operation byte (taken
/// modulo the number of operations) followed by its operands. At most ``maxSteps`` steps.
///
/// Key references `kk` are the banking applet's: 01 transfer, 02 authentication, 03 decryption.
struct AppletScript {
    static let maxSteps = 48
    /// The largest APDU a long-form step sends.
    static let maxAPDU = 4096

    indirect enum Step: Equatable, Sendable {
        /// `00`: a command APDU of up to 255 bytes (length byte, bytes).
        case apdu([UInt8])
        /// `01`: a command APDU of up to ``maxAPDU`` bytes (two length bytes, bytes).
        case longAPDU([UInt8])
        /// `02`: warm reset (the volatile security state goes).
        case reset
        /// `03`: power off and on (only what NVM committed survives).
        case powerCycle
        /// `04` / `05`: a button on the token.
        case press(Button)
        /// `06`: `seconds` pass (one byte), then the card notices (a confirmation may time out).
        case wait(seconds: Int)
        /// `07`: power fails at write `write` (one byte, modulo 4) of the step that follows
        /// (any step but another power cut, which reads as `00`), then comes back.
        case powerCut(write: Int, Step)
        /// `08`: the host aborts the open command (CCID Abort).
        case abort
        /// `09`: PUT CERTIFICATE `00 DA 01 1k` into key `slot`'s slot of a test-CA certificate of
        /// key `of`'s current public key (one byte: bit 0 chained, else one extended APDU; bits
        /// 1–2 the slot, modulo 3, plus 1; bit 3 the next key's certificate, which must be refused).
        case putCertificate(chained: Bool, slot: UInt8, of: UInt8)
        /// `0A`: VERIFY with the PIN the script last set (the factory PIN until a CHANGE or
        /// UNBLOCK succeeds).
        case verifyPIN
        /// `0B`: DECIPHER of a cryptogram for key `key`'s public key, Le the plaintext's length;
        /// the plaintext is 1 to 64 bytes (one byte: bits 0–5 plus 1; bits 6–7 the key, 0 for 03).
        case decipher(plaintextCount: Int, key: UInt8)
        /// `0C`: PIV VERIFY with the PIV PIN the script last set.
        case verifyPIVPIN
        /// `0D`: PIV 9B mutual authentication with the token's management key (both steps).
        case authenticatePIV
        /// `0E`: GENERATE `00 47 80 kk {80 01 algorithm}`, then optionally a button (one byte:
        /// bits 0–1 kk, bits 2–3 the algorithm, bits 4–5 modulo 3: nothing, OK, Cancel).
        case generate(key: UInt8, algorithm: UInt8, then: Button?)
        /// `0F`: `00 47 P1 P2 {80 01 algorithm}` (three bytes): GENERATE under any P1/P2.
        case generateUnder(p1: UInt8, p2: UInt8, algorithm: UInt8)
        /// `10`: READ PUBLIC KEY `00 47 81 kk` (one byte, any kk).
        case readPublicKey(key: UInt8)
        /// `11`: GET DATA `00 CA 01 P2` (one byte): the certificate of key `P2 & 0F` at `1k`.
        case getCertificate(p2: UInt8)
        /// `12`: the card-built request `80 50 00 kk` (one byte, any kk) with one of
        /// ``AppletSeeds/subjects`` (one byte, modulo their count), byte `position` (one byte,
        /// modulo the length) XORed with `mutation` (one byte; 0 leaves the Name valid).
        case certificationRequest(key: UInt8, subject: Int, mutation: UInt8, position: UInt8)
        /// `13`: SIGN `00 2A 9E 9A` of a DigestInfo (one byte: bit 0 SHA-1, else SHA-256; the
        /// digest repeats the byte).
        case sign(UInt8)
        /// `14`: INTERNAL AUTHENTICATE of a challenge of 0 to 71 bytes (one byte, modulo 72).
        case internalAuthenticate(length: Int)
        /// `15`: SELECT OATH, then PUT of one of ``OATHTracker/seeds`` (one byte, ``OATHTracker/putAPDUs(_:)``).
        case oathPut(UInt8)
        /// `16`: OATH CALCULATE or CALCULATE ALL (one byte, ``OATHTracker/calculateAPDU(_:)``).
        case oathCalculate(UInt8)
        /// `17`: DECIPHER `00‖cryptogram‖Ne` (Ne in the data, as the host library sends it and as
        /// it reaches the card at T=0): the first byte as for `0B`; the second byte's bit 0 adds
        /// Le = Ne.
        case decipherNeInData(plaintextCount: Int, key: UInt8, withLe: Bool)
    }

    static let operationCount: UInt8 = 24

    let personalized: Bool
    let outdated: Bool
    let steps: [Step]

    init(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let image = input.byte()
        personalized = image & 1 != 0
        outdated = image & 2 != 0
        var steps: [Step] = []
        while !input.isEmpty && steps.count < AppletScript.maxSteps {
            steps.append(AppletScript.step(&input, powerCut: true))
        }
        self.steps = steps
    }

    private static func step(_ input: inout FuzzInput, powerCut: Bool) -> Step {
        switch input.byte() % operationCount {
        case 1: return .longAPDU(input.bytes(min(Int(input.uint16()), maxAPDU)))
        case 2: return .reset
        case 3: return .powerCycle
        case 4: return .press(.ok)
        case 5: return .press(.cancel)
        case 6: return .wait(seconds: Int(input.byte()))
        case 7 where powerCut:
            let write = Int(input.byte() % 4)
            return .powerCut(write: write, step(&input, powerCut: false))
        case 8: return .abort
        case 9:
            let operand = input.byte()
            let slot = (operand >> 1) % 3 + 1
            return .putCertificate(chained: operand & 1 != 0, slot: slot, of: operand & 8 != 0 ? slot % 3 + 1 : slot)
        case 10: return .verifyPIN
        case 11:
            let operand = input.byte()
            return .decipher(plaintextCount: Int(operand % 64) + 1, key: operand >> 6 == 0 ? 3 : operand >> 6)
        case 12: return .verifyPIVPIN
        case 13: return .authenticatePIV
        case 14:
            let operand = input.byte()
            let buttons: [Button?] = [nil, .ok, .cancel]
            return .generate(key: operand & 3, algorithm: operand >> 2 & 3, then: buttons[Int(operand >> 4 & 3) % 3])
        case 15: return .generateUnder(p1: input.byte(), p2: input.byte(), algorithm: input.byte())
        case 16: return .readPublicKey(key: input.byte())
        case 17: return .getCertificate(p2: input.byte())
        case 18:
            return .certificationRequest(key: input.byte(), subject: Int(input.byte()) % AppletSeeds.subjects.count,
                                         mutation: input.byte(), position: input.byte())
        case 19: return .sign(input.byte())
        case 20: return .internalAuthenticate(length: Int(input.byte() % 72))
        case 21: return .oathPut(input.byte())
        case 22: return .oathCalculate(input.byte())
        case 23:
            let operand = input.byte()
            return .decipherNeInData(plaintextCount: Int(operand % 64) + 1, key: operand >> 6 == 0 ? 3 : operand >> 6,
                                     withLe: input.byte() & 1 != 0)
        default: return .apdu(input.bytes(Int(input.byte())))
        }
    }

    /// The bytes of this script (for the seed corpus).
    var bytes: [UInt8] { [(personalized ? 1 : 0) | (outdated ? 2 : 0)] + steps.flatMap(\.bytes) }

    init(personalized: Bool, outdated: Bool = false, steps: [Step]) {
        self.personalized = personalized
        self.outdated = outdated
        self.steps = steps
    }
}

extension AppletScript.Step {
    /// The bytes that read back as this step.
    var bytes: [UInt8] {
        switch self {
        case .apdu(let apdu): return [0, UInt8(apdu.count)] + apdu
        case .longAPDU(let apdu): return [1, UInt8(apdu.count >> 8), UInt8(apdu.count & 0xFF)] + apdu
        case .reset: return [2]
        case .powerCycle: return [3]
        case .press(let button): return [button == .ok ? 4 : 5]
        case .wait(let seconds): return [6, UInt8(seconds)]
        case .powerCut(let write, let step): return [7, UInt8(write)] + step.bytes
        case .abort: return [8]
        case .putCertificate(let chained, let slot, let of):
            return [9, (chained ? 1 : 0) | (slot - 1) << 1 | (of != slot ? 8 : 0)]
        case .verifyPIN: return [10]
        case .decipher(let count, let key): return [11, UInt8(count - 1) | (key == 3 ? 0 : key << 6)]
        case .verifyPIVPIN: return [12]
        case .authenticatePIV: return [13]
        case .generate(let key, let algorithm, let then):
            return [14, key | algorithm << 2 | (then == nil ? 0 : then == .ok ? 0x10 : 0x20)]
        case .generateUnder(let p1, let p2, let algorithm): return [15, p1, p2, algorithm]
        case .readPublicKey(let key): return [16, key]
        case .getCertificate(let p2): return [17, p2]
        case .certificationRequest(let key, let subject, let mutation, let position):
            return [18, key, UInt8(subject), mutation, position]
        case .sign(let operand): return [19, operand]
        case .internalAuthenticate(let length): return [20, UInt8(length)]
        case .oathPut(let operand): return [21, operand]
        case .oathCalculate(let operand): return [22, operand]
        case .decipherNeInData(let count, let key, let withLe):
            return [23, UInt8(count - 1) | (key == 3 ? 0 : key << 6), withLe ? 1 : 0]
        }
    }

    /// One line for a trace: APDUs by their header and length, never their data (a PIN).
    var summary: String {
        func header(_ apdu: [UInt8]) -> String { apdu.prefix(4).hexString + " (\(apdu.count) bytes)" }
        switch self {
        case .apdu(let apdu), .longAPDU(let apdu): return header(apdu)
        case .reset: return "reset"
        case .powerCycle: return "power cycle"
        case .press(let button): return "press \(button)"
        case .wait(let seconds): return "wait \(seconds) s"
        case .powerCut(let write, let step): return "power cut at write \(write): " + step.summary
        case .abort: return "abort"
        case .putCertificate(let chained, let slot, let of):
            return "PUT CERTIFICATE \(chained ? "chained" : "extended") into key \(slot) of key \(of)"
        case .verifyPIN: return "VERIFY PIN"
        case .decipher(let count, let key): return "DECIPHER a \(count)-byte plaintext for key \(key)"
        case .verifyPIVPIN: return "PIV VERIFY"
        case .authenticatePIV: return "PIV 9B authentication"
        case .generate(let key, let algorithm, let then):
            return "GENERATE key \(key) algorithm \(algorithm)" + (then.map { ", press \($0)" } ?? "")
        case .generateUnder(let p1, let p2, let algorithm): return "GENERATE 00 47 \(hexByte(p1)) \(hexByte(p2)) algorithm \(algorithm)"
        case .readPublicKey(let key): return "READ PUBLIC KEY \(hexByte(key))"
        case .getCertificate(let p2): return "GET DATA 01 \(hexByte(p2))"
        case .certificationRequest(let key, let subject, let mutation, let position):
            return "REQUEST key \(hexByte(key)) subject \(subject)" + (mutation == 0 ? "" : " XOR \(hexByte(mutation)) at \(position)")
        case .sign(let operand): return "SIGN \(operand & 1 != 0 ? "SHA-1" : "SHA-256") digest"
        case .internalAuthenticate(let length): return "INTERNAL AUTHENTICATE \(length) bytes"
        case .oathPut(let operand): return "OATH PUT \(hexByte(operand))"
        case .oathCalculate(let operand): return "OATH CALCULATE \(hexByte(operand))"
        case .decipherNeInData(let count, let key, let withLe):
            return "DECIPHER a \(count)-byte plaintext for key \(key), Ne in the data" + (withLe ? " and in Le" : "")
        }
    }
}
