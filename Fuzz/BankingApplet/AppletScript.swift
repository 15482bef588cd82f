import CardOS
import FuzzSupport
import ISO7816

/// A fuzz input read as a script for a token: the first byte picks the starting token (bit 0:
/// personalized, else factory-fresh), then each step starts with an operation byte (taken
/// modulo the number of operations) followed by its operands. At most ``maxSteps`` steps.
struct AppletScript {
    static let maxSteps = 48
    /// The largest APDU a long-form step sends.
    static let maxAPDU = 4096

    enum Step: Equatable {
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
        /// `07`: power fails at write `write` (one byte, modulo 4) of the APDU that follows (as
        /// in `00`), then comes back.
        case powerCut(write: Int, apdu: [UInt8])
        /// `08`: the host aborts the open command (CCID Abort).
        case abort
        /// `09`: PUT CERTIFICATE with a test-CA certificate of the card's current key (one byte:
        /// bit 0 chained, else one extended APDU).
        case putCertificate(chained: Bool)
        /// `0A`: VERIFY with the PIN the script last set (the factory PIN until a CHANGE or
        /// UNBLOCK succeeds).
        case verifyPIN
        /// `0B`: DECIPHER of a cryptogram for the card's current key; the plaintext is 1 to 64
        /// bytes (one byte, modulo 64, plus 1).
        case decipher(plaintextCount: Int)
        /// `0C`: PIV VERIFY with the PIV PIN the script last set.
        case verifyPIVPIN
        /// `0D`: PIV 9B mutual authentication with the token's management key (both steps).
        case authenticatePIV
    }

    static let operationCount: UInt8 = 14

    let personalized: Bool
    let steps: [Step]

    init(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        personalized = input.byte() & 1 != 0
        var steps: [Step] = []
        while !input.isEmpty && steps.count < AppletScript.maxSteps {
            switch input.byte() % AppletScript.operationCount {
            case 0: steps.append(.apdu(input.bytes(Int(input.byte()))))
            case 1: steps.append(.longAPDU(input.bytes(min(Int(input.uint16()), AppletScript.maxAPDU))))
            case 2: steps.append(.reset)
            case 3: steps.append(.powerCycle)
            case 4: steps.append(.press(.ok))
            case 5: steps.append(.press(.cancel))
            case 6: steps.append(.wait(seconds: Int(input.byte())))
            case 7:
                let write = Int(input.byte() % 4)
                steps.append(.powerCut(write: write, apdu: input.bytes(Int(input.byte()))))
            case 8: steps.append(.abort)
            case 9: steps.append(.putCertificate(chained: input.byte() & 1 != 0))
            case 10: steps.append(.verifyPIN)
            case 11: steps.append(.decipher(plaintextCount: Int(input.byte() % 64) + 1))
            case 12: steps.append(.verifyPIVPIN)
            default: steps.append(.authenticatePIV)
            }
        }
        self.steps = steps
    }

    /// The bytes of this script (for the seed corpus).
    var bytes: [UInt8] {
        var out: [UInt8] = [personalized ? 1 : 0]
        for step in steps {
            switch step {
            case .apdu(let apdu): out += [0, UInt8(apdu.count)] + apdu
            case .longAPDU(let apdu): out += [1, UInt8(apdu.count >> 8), UInt8(apdu.count & 0xFF)] + apdu
            case .reset: out.append(2)
            case .powerCycle: out.append(3)
            case .press(let button): out.append(button == .ok ? 4 : 5)
            case .wait(let seconds): out += [6, UInt8(seconds)]
            case .powerCut(let write, let apdu): out += [7, UInt8(write), UInt8(apdu.count)] + apdu
            case .abort: out.append(8)
            case .putCertificate(let chained): out += [9, chained ? 1 : 0]
            case .verifyPIN: out.append(10)
            case .decipher(let count): out += [11, UInt8(count - 1)]
            case .verifyPIVPIN: out.append(12)
            case .authenticatePIV: out.append(13)
            }
        }
        return out
    }

    init(personalized: Bool, steps: [Step]) {
        self.personalized = personalized
        self.steps = steps
    }
}

extension AppletScript.Step {
    /// One line for a trace: APDUs by their header and length, never their data (a PIN).
    var summary: String {
        func header(_ apdu: [UInt8]) -> String { apdu.prefix(4).hexString + " (\(apdu.count) bytes)" }
        switch self {
        case .apdu(let apdu), .longAPDU(let apdu): return header(apdu)
        case .reset: return "reset"
        case .powerCycle: return "power cycle"
        case .press(let button): return "press \(button)"
        case .wait(let seconds): return "wait \(seconds) s"
        case .powerCut(let write, let apdu): return "power cut at write \(write): " + header(apdu)
        case .abort: return "abort"
        case .putCertificate(let chained): return chained ? "PUT CERTIFICATE chained" : "PUT CERTIFICATE extended"
        case .verifyPIN: return "VERIFY PIN"
        case .decipher(let count): return "DECIPHER a \(count)-byte plaintext"
        case .verifyPIVPIN: return "PIV VERIFY"
        case .authenticatePIV: return "PIV 9B authentication"
        }
    }
}
