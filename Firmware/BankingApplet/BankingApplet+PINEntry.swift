import CardOS
import ISO7816
import BankingProtocol

/// Where the holder may type the PIN: the token policy `pin-entry`, record `0107`.
public enum PINEntryPolicy: UInt8, Sendable {
    /// The computer (VERIFY, CHANGE, UNBLOCK over USB) or the token's keypad: the default.
    case both = 0x00
    /// Only the token's keypad: the card refuses, with 6985, every command carrying the PIN or
    /// PUK that did not come from its own keypad, so a keylogger on the computer has nothing to
    /// catch and nothing to replay.
    case keypadOnly = 0x01
}

extension BankingApplet {
    /// The applet's commands with their origin: with the policy ``PINEntryPolicy/keypadOnly``
    /// a VERIFY with a PIN, a CHANGE, an UNBLOCK or a SET PIN-ENTRY POLICY from the host is
    /// refused with 6985 before anything is checked (no try is used).
    public func process(_ command: CommandAPDU, origin: CommandOrigin) throws(StatusWord) -> AppletReply {
        if origin == .host && BankingApplet.carriesSecret(command) && pinEntryPolicy == .keypadOnly {
            throw .conditionsNotSatisfied
        }
        return try process(command)
    }

    /// The policy in force (record `0107`; absent: ``PINEntryPolicy/both``).
    public var pinEntryPolicy: PINEntryPolicy {
        platform.memory.read(BankingRecords.pinEntryPolicy).flatMap { $0.count == 1 ? PINEntryPolicy(rawValue: $0[0]) : nil }
            ?? .both
    }

    static func carriesSecret(_ command: CommandAPDU) -> Bool {
        switch (command.cla & ~0x10, command.ins) {
        case (0x00, BankingWire.Instruction.verify): return !command.data.isEmpty
        case (0x00, BankingWire.Instruction.changeReferenceData), (0x00, BankingWire.Instruction.resetRetryCounter): return true
        case (BankingWire.proprietaryClass, BankingWire.Instruction.setPINEntryPolicy): return true
        default: return false
        }
    }

    /// SET PIN-ENTRY POLICY `80 52 00 pp [PUK]`: pp 00 both, 01 keypad only; the PUK (with its
    /// own counter) authorises the change.
    func setPINEntryPolicy(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        guard command.p1 == 0, let policy = PINEntryPolicy(rawValue: command.p2) else { throw .wrongP1P2 }
        guard BankingApplet.isValidPUK(command.data) else { throw .wrongData }
        try puk.reportingBlock(in: platform.memory, presence: platform.presence) { () throws(StatusWord) in
            try puk.verify(command.data, in: platform.memory, alsoWriting: [(BankingRecords.pinEntryPolicy, [policy.rawValue])])
        }
        return []
    }

    /// The keypad form's two PIN blocks: 16 bytes, each half a PIN of 6–16 digits in packed BCD
    /// padded with F nibbles (`12 34 56 FF FF FF FF FF` is 123456), as ASCII digits.
    static func splitKeypadBlocks(_ data: [UInt8]) -> ([UInt8], [UInt8])? {
        guard data.count == 16, let first = bcdDigits(data[0..<8]), let second = bcdDigits(data[8..<16]) else { return nil }
        return (first, second)
    }

    private static func bcdDigits(_ block: ArraySlice<UInt8>) -> [UInt8]? {
        var digits: [UInt8] = []
        var padding = false
        for byte in block {
            for nibble in [byte >> 4, byte & 0x0F] {
                if nibble == 0x0F {
                    padding = true
                } else {
                    guard !padding, nibble <= 9 else { return nil }
                    digits.append(0x30 + nibble)
                }
            }
        }
        return digits
    }
}
