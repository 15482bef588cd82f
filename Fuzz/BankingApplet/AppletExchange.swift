import ISO7816

/// One command and the response that completed it, with what the script knew when it was sent.
struct AppletExchange {
    /// The banking applet's operations the invariants care about (docs/ARCHITECTURE.md, "The
    /// banking applet"), told apart by CLA (chaining bit cleared), INS, P1 and P2.
    enum Operation: Equatable {
        case verify, change, unblock
        case sign, internalAuthenticate, confirmTransfer, decipher, generate, putCertificate
        case other

        init(_ command: CommandAPDU) {
            let p1p2 = UInt16(command.p1) << 8 | UInt16(command.p2)
            switch (command.cla & ~0x10, command.ins, p1p2) {
            case (0x00, 0x20, 0x0081): self = .verify
            case (0x00, 0x24, 0x0081): self = .change
            case (0x00, 0x2C, 0x0081): self = .unblock
            case (0x00, 0x2A, 0x9E9A): self = .sign
            case (0x00, 0x2A, 0x8086): self = .decipher
            case (0x00, 0x88, 0x0000): self = .internalAuthenticate
            case (0x80, 0xC0, 0x0000): self = .confirmTransfer
            case (0x00, 0x47, 0x8001): self = .generate
            case (0x00, 0xDA, 0x0110): self = .putCertificate
            default: self = .other
            }
        }

        /// Uses of the private key, and GENERATE and PUT CERTIFICATE: all need a verified PIN.
        var needsPIN: Bool { [.sign, .internalAuthenticate, .confirmTransfer, .decipher, .generate, .putCertificate].contains(self) }
        /// Refused while the factory PIN is in force.
        var needsPersonalizedPIN: Bool { needsPIN && self != .putCertificate }
        /// Private-key signatures: each advances the signature counter.
        var signs: Bool { [.sign, .internalAuthenticate, .confirmTransfer].contains(self) }
        /// A success leaves the PIN verified (and may give the PIN its tries back).
        var checksPIN: Bool { [.verify, .change, .unblock].contains(self) }
    }

    /// `nil` when the bytes are not a command APDU (the card answers 6700).
    let command: CommandAPDU?
    let response: [UInt8]
    /// A VERIFY, CHANGE or UNBLOCK had succeeded since the last reset when the command was sent.
    let pinVerified: Bool
    /// The factory PIN was still in force when the command was sent.
    let factoryPIN: Bool
    /// The PIV applet was selected when the command was sent (the banking invariants do not apply).
    var toPIV = false

    /// The banking operation; `.other` for whatever the PIV applet answered.
    var operation: Operation { toPIV ? .other : command.map(Operation.init) ?? .other }
    var statusWord: StatusWord { StatusWord(sw1: response[response.count - 2], sw2: response[response.count - 1]) }
    var data: [UInt8] { Array(response.dropLast(2)) }
    /// The last (or only) part of a command: its status word is the command's.
    var isFinal: Bool { command.map { $0.cla & 0x10 == 0 } ?? false }
    /// 9000, or 61xx (more of the answer waits for GET RESPONSE): the operation was carried out.
    var succeeded: Bool { isFinal && (statusWord == .success || statusWord.sw1 == 0x61) }
}
