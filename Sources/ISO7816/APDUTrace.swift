/// Trace text for APDUs: the command's header, name and data, with the data of VERIFY,
/// CHANGE REFERENCE DATA and RESET RETRY COUNTER (INS 20, 24, 2C — banking and PIV PIN and
/// PUK), of PIV GENERAL AUTHENTICATE with the management key 9B (its witness and challenge)
/// and of OATH PUT, SET CODE and VALIDATE (01, 03, A3, chained parts too) replaced by `••••`;
/// the response's data and status word with its meaning (OATH codes as `••••`).
public enum APDUTrace {
    /// INS codes whose data is a PIN or PUK.
    static let secretINS: Set<UInt8> = [0x20, 0x24, 0x2C]

    /// Whether the command's data (and its answer's) must not be shown: a PIN, a PUK, or a step
    /// of 9B mutual authentication (GENERAL AUTHENTICATE, INS 87, P2 9B), whose witness and
    /// challenge pairs with their encryptions are material against the management key.
    public static func isSecret(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 4 else { return false }
        return secretINS.contains(bytes[1]) || (bytes[1] == 0x87 && bytes[3] == 0x9B) || isOATHSecret(bytes)
    }

    /// YKOATH commands (CLA 00, or 10 for a chained part) whose data is secret: PUT (01, an OTP
    /// seed), SET CODE (03, the access key) and VALIDATE (A3, proofs under it, and its answer).
    static let oathSecretINS: Set<UInt8> = [0x01, 0x03, 0xA3]

    static func isOATHSecret(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] & ~0x10 == 0x00 && oathSecretINS.contains(bytes[1])
    }

    /// Whether the answer to `bytes` is hidden: a secret command's, or one-time passwords
    /// (YKOATH CALCULATE `00 A2`, CALCULATE ALL `00 A4 00`; SELECT is `00 A4 04`).
    public static func hidesResponse(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 4 else { return false }
        return isSecret(bytes) || (bytes[0] & ~0x10 == 0x00 && (bytes[1] == 0xA2 || (bytes[1] == 0xA4 && bytes[2] != 0x04)))
    }

    public static func command(_ bytes: [UInt8]) -> String {
        guard bytes.count >= 4 else { return "> (\(bytes.count) bytes, not an APDU)" }
        let header = Array(bytes[0..<4]).hexString
        let name = insName(cla: bytes[0], ins: bytes[1])
        if isSecret(bytes) {
            return "> \(header) \(name) " + (bytes.count > 5 ? "••••" : Array(bytes[4...]).hexString)
        }
        guard let apdu = try? CommandAPDU(parsing: bytes) else {
            return "> \(header) \(name) \(Array(bytes[4...]).hexString)"
        }
        var text = "> \(header) \(name)"
        if !apdu.data.isEmpty { text += " [\(apdu.data.count)] " + apdu.data.hexString }
        if let ne = apdu.ne { text += " Le=\(ne)" }
        return text
    }

    /// The response to `command`: its data as `••••` when the command was secret (9B steps).
    public static func response(_ bytes: [UInt8], to command: [UInt8]) -> String {
        guard hidesResponse(command), bytes.count > 2 else { return response(bytes) }
        let status = StatusWord(sw1: bytes[bytes.count - 2], sw2: bytes[bytes.count - 1])
        return "< •••• " + status.description
    }

    public static func response(_ bytes: [UInt8]) -> String {
        guard bytes.count >= 2 else { return "< (\(bytes.count) bytes, no status word)" }
        let status = StatusWord(sw1: bytes[bytes.count - 2], sw2: bytes[bytes.count - 1])
        let data = Array(bytes[..<(bytes.count - 2)])
        return "< " + (data.isEmpty ? "" : "[\(data.count)] " + data.hexString + " ") + status.description
    }

    static func insName(cla: UInt8, ins: UInt8) -> String {
        switch ins {
        case 0xA4: return "SELECT"
        case 0xCA: return "GET DATA"
        case 0xCB: return "GET DATA"
        case 0x20: return "VERIFY"
        case 0x24: return "CHANGE REFERENCE DATA"
        case 0x2C: return "RESET RETRY COUNTER"
        case 0x47: return "GENERATE ASYMMETRIC KEY PAIR"
        case 0x2A: return "PERFORM SECURITY OPERATION"
        case 0x88: return "INTERNAL AUTHENTICATE"
        case 0x87: return "GENERAL AUTHENTICATE"
        case 0x84: return "GET CHALLENGE"
        case 0xDA, 0xDB: return "PUT DATA"
        case 0xC0: return cla & 0x80 != 0 ? "CONFIRM TRANSFER" : "GET RESPONSE"
        case 0x01 where cla & 0x80 == 0: return "OATH PUT"
        case 0x03 where cla & 0x80 == 0: return "OATH SET CODE"
        case 0xA2: return "OATH CALCULATE"
        case 0xA3: return "OATH VALIDATE"
        case 0xA5: return "OATH SEND REMAINING"
        default: return "INS " + [ins].hexString
        }
    }
}
