import ISO7816

/// One command and the response that completed it, with what the script knew when it was sent.
struct AppletExchange {
    /// The banking applet's operations the invariants care about (docs/ARCHITECTURE.md, "The
    /// banking applet"), told apart by CLA (chaining bit cleared), INS, P1 and P2. A key
    /// reference is the command's `kk` (GENERATE `00 47 80 kk`, the request `80 50 00 kk`) or
    /// the low nibble of PUT CERTIFICATE's P2 (`00 DA 01 1k`), whatever its value.
    enum Operation: Equatable {
        case verify, change, unblock
        case sign, internalAuthenticate, confirmTransfer, decipher
        case generate(key: UInt8)
        case putCertificate(key: UInt8)
        case certificationRequest(key: UInt8)
        case other

        init(_ command: CommandAPDU) {
            switch (command.cla & ~0x10, command.ins, command.p1p2) {
            case (0x00, 0x20, 0x0081): self = .verify
            case (0x00, 0x24, 0x0081): self = .change
            case (0x00, 0x2C, 0x0081): self = .unblock
            case (0x00, 0x2A, 0x9E9A): self = .sign
            case (0x00, 0x2A, 0x8086): self = .decipher
            case (0x00, 0x88, 0x0000): self = .internalAuthenticate
            case (0x80, 0xC0, 0x0000): self = .confirmTransfer
            case (0x00, 0x47, _) where command.p1 == 0x80: self = .generate(key: command.p2)
            case (0x00, 0xDA, _) where command.p1 == 0x01 && command.p2 & 0xF0 == 0x10:
                self = .putCertificate(key: command.p2 & 0x0F)
            case (0x80, 0x50, _) where command.p1 == 0x00: self = .certificationRequest(key: command.p2)
            default: self = .other
            }
        }

        /// Uses of a private key, GENERATE and PUT CERTIFICATE: all need a verified PIN.
        var needsPIN: Bool {
            switch self {
            case .sign, .internalAuthenticate, .confirmTransfer, .decipher, .generate, .putCertificate, .certificationRequest:
                return true
            case .verify, .change, .unblock, .other:
                return false
            }
        }
        /// Refused while the factory PIN is in force.
        var needsPersonalizedPIN: Bool {
            if case .putCertificate = self { return false }
            return needsPIN
        }
        /// Signatures that advance the authentication counter (CA).
        var advancesAuthenticationCounter: Bool { self == .sign || self == .internalAuthenticate }
        /// A success leaves the PIN verified (and may give the PIN its tries back).
        var checksPIN: Bool { [.verify, .change, .unblock].contains(self) }
        /// The holder decides on the device before the card answers.
        var waitsForHolder: Bool { self == .confirmTransfer || self == .generate(key: 0x01) }
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
    /// The OATH applet was selected when the command was sent (the banking invariants do not apply).
    var toOATH = false
    /// The answer came after the holder pressed OK on the device.
    var approvedOnDevice = false

    /// The banking operation; `.other` for whatever the PIV applet answered.
    var operation: Operation { toPIV || toOATH ? .other : command.map(Operation.init) ?? .other }
    var statusWord: StatusWord { StatusWord(sw1: response[response.count - 2], sw2: response[response.count - 1]) }
    var data: [UInt8] { Array(response.dropLast(2)) }
    /// The last (or only) part of a command: its status word is the command's.
    var isFinal: Bool { command.map { $0.cla & 0x10 == 0 } ?? false }
    /// 9000, or 61xx (more of the answer waits for GET RESPONSE): the operation was carried out.
    var succeeded: Bool { isFinal && (statusWord == .success || statusWord.sw1 == 0x61) }
    /// GET RESPONSE `00 C0 00 00`: the next part of the previous answer.
    var isGetResponse: Bool { command.map { $0.cla == 0x00 && $0.ins == 0xC0 } ?? false }
}
