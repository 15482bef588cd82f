import FuzzSupport
import ISO7816

/// What the fuzzer knows of the OATH applet beside the banking and PIV applets: whether it is
/// the card's selection, and the seeds the script put into it (the only ones it can hold), so
/// that no response — of any applet — may ever carry one (OATH secrets never leave the card).
/// The banking invariants hold across OATH steps unchanged: an OATH command changes no banking
/// state, and ``TransferKeyWatch`` sees every OATH answer too (no OTP or HMAC verifies under
/// the transfer key).
struct OATHTracker {
    static let aid: [UInt8] = [0xA0, 0x00, 0x00, 0x05, 0x27, 0x21, 0x01]
    static let select: [UInt8] = [0x00, 0xA4, 0x04, 0x00, 0x07] + aid

    /// The seeds ``AppletScript/Step/oathPut(_:)`` puts: 20, 32, 64 and 40 bytes, no two alike.
    static let seeds: [[UInt8]] = [20, 32, 64, 40].enumerated().map { index, count in
        (0..<count).map { UInt8(truncatingIfNeeded: 0x3B &+ $0 &* 13 &+ index &* 71) }
    }

    /// The OATH applet is the card's selection.
    var selected = false

    mutating func reset() { selected = false }

    /// A SELECT that succeeded moves the selection (OATH's own `00 A4 00 P2` is CALCULATE ALL).
    mutating func learnSelection(_ exchange: AppletExchange) {
        guard let command = exchange.command, command.cla == 0x00, command.ins == 0xA4, command.p1 == 0x04, exchange.succeeded,
              !command.data.isEmpty else { return }
        selected = OATHTracker.aid.starts(with: command.data)
    }

    /// No response holds 14 consecutive bytes of an OATH seed.
    static func check(_ exchange: AppletExchange) {
        let data = exchange.data
        guard data.count >= 14 else { return }
        for seed in seeds {
            for start in 0...(seed.count - 14) {
                let window = Array(seed[start..<start + 14])
                fuzzRequire(!contains(data, window), "a response holds OATH seed bytes: \(exchange.response.hexString)")
            }
        }
    }

    private static func contains(_ data: [UInt8], _ window: [UInt8]) -> Bool {
        guard data.count >= window.count else { return false }
        for start in 0...(data.count - window.count) where data[start] == window[0] {
            if Array(data[start..<start + window.count]) == window { return true }
        }
        return false
    }

    /// SELECT OATH, then PUT of seed `operand & 3` as `name` (bit 2 HOTP, bits 3–4 the algorithm,
    /// bit 5 require touch; 8 digits when bit 6).
    static func putAPDUs(_ operand: UInt8) -> [[UInt8]] {
        let seed = seeds[Int(operand & 3)]
        let type: UInt8 = (operand & 4 != 0 ? 0x10 : 0x20) | ((operand >> 3 & 3) % 3 + 1)
        var data = TLV(tag: 0x71, value: name(operand)).bytes + TLV(tag: 0x73, value: [type, operand & 0x40 != 0 ? 8 : 6] + seed).bytes
        if operand & 0x20 != 0 { data += [0x78, 0x02] }
        return [select, try! CommandAPDU(cla: 0x00, ins: 0x01, p1: 0x00, p2: 0x00, data: data).bytes]
    }

    /// CALCULATE (truncated when bit 7) of the credential `operand & 3`, or CALCULATE ALL when bit 6.
    static func calculateAPDU(_ operand: UInt8) -> [UInt8] {
        let challenge = TLV(tag: 0x74, value: [0, 0, 0, 0, 0, 0, 0, operand]).bytes
        if operand & 0x40 != 0 { return try! CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x00, p2: operand >> 7, data: challenge).bytes }
        return try! CommandAPDU(cla: 0x00, ins: 0xA2, p1: 0x00, p2: operand >> 7,
                                data: TLV(tag: 0x71, value: name(operand)).bytes + challenge).bytes
    }

    static func name(_ operand: UInt8) -> [UInt8] { Array("fuzz:\(operand & 3)".utf8) }
}
