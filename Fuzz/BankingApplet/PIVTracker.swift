import FuzzSupport
import ISO7816
import UKey

/// What the script knows about the PIV applet beside the banking applet, and the PIV invariants
/// checked on every exchange the PIV applet answered:
///
/// - GENERAL AUTHENTICATE with 9A or 9D succeeds only after a successful VERIFY (or CHANGE) of
///   the PIV PIN since the last reset; with 9C only once per such VERIFY;
/// - GENERATE and PUT DATA succeed only after a successful 9B authentication since the last reset;
/// - the PIV PIN's tries go up only in a step where a PIV VERIFY, CHANGE or RESET RETRY succeeded;
/// - a step that only talked to the PIV applet leaves the banking applet's state as it was.
///
/// The tracker learns only what it is sure of (a 9000, or a 63Cx that cleared the PIN), so the
/// card may be stricter than it, never looser.
struct PIVTracker {
    static let aid: [UInt8] = [0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00]
    static let bankingAID: [UInt8] = [0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]
    /// The token image's PIV management key (`PIVCredentials.wellKnownDefaults`).
    static let managementKey: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8]

    /// The PIV applet is the card's selection.
    var selected = false
    var pinVerified = false
    /// A VERIFY that a 9C operation may still use.
    var pinGrant = false
    var managementKey = false
    /// The PIV PIN the script last set successfully.
    var pin: [UInt8] = Array("123456".utf8)

    mutating func reset() {
        selected = false
        pinVerified = false
        pinGrant = false
        managementKey = false
    }

    /// A SELECT that succeeded moves the selection to the applet whose AID starts with its data.
    mutating func learnSelection(_ exchange: AppletExchange) {
        guard let command = exchange.command, command.cla == 0x00, command.ins == 0xA4, exchange.succeeded,
              !command.data.isEmpty else { return }
        if PIVTracker.aid.starts(with: command.data) { selected = true }
        if PIVTracker.bankingAID.starts(with: command.data) { selected = false }
        if OATHTracker.aid.starts(with: command.data) { selected = false }
    }

    /// Checks one exchange the PIV applet answered against what was known when it was sent, then learns from it.
    mutating func check(_ exchange: AppletExchange) {
        guard let command = exchange.command, command.cla & ~0x10 == 0x00, exchange.isFinal else { return }
        let status = exchange.statusWord
        let success = exchange.succeeded
        switch (command.ins, command.p1, command.p2) {
        case (0x87, _, 0x9A), (0x87, _, 0x9D):
            fuzzRequire(!success || pinVerified, "PIV GENERAL AUTHENTICATE \(hexByte(command.p2)) without the PIN")
        case (0x87, _, 0x9C):
            fuzzRequire(!success || (pinVerified && pinGrant), "PIV GENERAL AUTHENTICATE 9C without a VERIFY just before")
            if success { pinGrant = false }
        case (0x87, _, 0x9B):
            if success && (exchange.data.isEmpty || exchange.data.starts(with: [0x7C, 0x0A, 0x82])) { managementKey = true }
        case (0x47, _, _), (0xDB, _, _):
            fuzzRequire(!success || managementKey, "PIV \(command.ins == 0x47 ? "GENERATE" : "PUT DATA") without the management key")
        case (0x20, 0xFF, 0x80):
            if success { pinVerified = false; pinGrant = false }
        case (0x20, 0x00, 0x80) where !command.data.isEmpty, (0x24, 0x00, 0x80):
            if success {
                pinVerified = true
                pinGrant = true
                if command.ins == 0x24 { pin = PIVTracker.unpadded(Array(command.data.suffix(8))) }
            } else if status.sw1 == 0x63 || status == .authenticationMethodBlocked {
                pinVerified = false
                pinGrant = false
            }
        case (0x2C, 0x00, 0x80):
            if success {
                pinVerified = false
                pinGrant = false
                pin = PIVTracker.unpadded(Array(command.data.suffix(8)))
            }
        default:
            break
        }
    }

    /// Whether an exchange changed what the PIV PIN's tries may do: a successful VERIFY, CHANGE or RESET RETRY.
    static func restoresPINTries(_ exchange: AppletExchange) -> Bool {
        guard let command = exchange.command, exchange.succeeded else { return false }
        return [0x20, 0x24, 0x2C].contains(command.ins) && command.p2 == 0x80
    }

    static func unpadded(_ field: [UInt8]) -> [UInt8] { Array(field.prefix { $0 != 0xFF }) }

    /// VERIFY with the PIN the script last set, FF-padded.
    var verifyAPDU: [UInt8] {
        try! CommandAPDU(cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x80,
                         data: pin + [UInt8](repeating: 0xFF, count: max(0, 8 - pin.count))).bytes
    }

    /// The second step of a 9B mutual authentication, for the first step's answer `7C 0A 80 08 E(witness)`.
    static func mutualAuthenticationStep2(_ firstAnswer: [UInt8]) -> [UInt8]? {
        guard firstAnswer.count == 12, firstAnswer.starts(with: [0x7C, 0x0A, 0x80, 0x08]) else { return nil }
        let witness = try! PIVManagementKey(bytes: managementKey).decrypt(Array(firstAnswer[4...]))
        return try! CommandAPDU(cla: 0x00, ins: 0x87, p1: 0x03, p2: 0x9B,
                                data: [0x7C, 0x14, 0x80, 0x08] + witness + [0x81, 0x08, 1, 2, 3, 4, 5, 6, 7, 8], ne: 256).bytes
    }
}
