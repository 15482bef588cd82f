import ISO7816

/// T=0 for CCID readers at TPDU level (ISO/IEC 7816-3 §10 and §12.2, CCID rev 1.1 §6.1.4):
/// the reader handles the procedure bytes; each XfrBlock carries one command TPDU (header, P3,
/// data) and brings back the response data and SW1 SW2. Each APDU case becomes TPDUs:
///
///     case 1   CLA INS P1 P2 00
///     case 2   CLA INS P1 P2 Le (256 → 00); on 6Cxx sent again with P3 = xx
///     case 3   CLA INS P1 P2 Lc data
///     case 4   as case 3; on 61xx GET RESPONSE with Le = min(xx, Ne still wanted), again while
///              the card answers 61xx and Ne is not reached; a 61xx at Ne goes to the caller
///
/// Extended-length APDUs cannot be carried (T=0 has no extended TPDU; ENVELOPE is application
/// specific): they are refused.
///
/// Not thread-safe: its reader calls it with the reader's lock held.
struct T0Host {
    let host: CCIDHost
    /// The GET RESPONSE chain's bound: no card answers 61xx this many times for one APDU.
    static let maxResponseParts = 300

    /// One command APDU → its response APDU.
    func transceive(_ apdu: [UInt8]) throws(DriverError) -> [UInt8] {
        let command: CommandAPDU
        do {
            command = try CommandAPDU(parsing: apdu)
        } catch {
            throw .communication("malformed command APDU for T=0: \(error)")
        }
        guard !command.isExtended else {
            Trace.log { "T=0 extended APDU needs T=1 or an APDU-level reader" }
            throw .communication("extended APDU needs T=1 or an APDU-level reader")
        }
        // A short APDU of case 2 (CLA INS P1 P2 Le) or case 3 (CLA INS P1 P2 Lc data) is its own
        // TPDU; case 1 adds P3 = 00, case 4 drops its Le.
        switch command.isoCase {
        case 1:
            return try exchange(apdu + [0x00])
        case 2:
            return try outgoing(apdu)
        case 3:
            return try exchange(apdu)
        default:
            let first = try exchange(Array(apdu.dropLast()))
            return try collect(first, cla: command.cla, ne: command.ne ?? 256)
        }
    }

    /// A case 2 TPDU (P3 = Le, 256 → 00), sent once more with P3 = xx when the card answers 6Cxx.
    private func outgoing(_ tpdu: [UInt8]) throws(DriverError) -> [UInt8] {
        let response = try exchange(tpdu)
        guard response.count == 2, response[0] == 0x6C else { return response }
        Trace.log { "T=0 6C\([response[1]].hexString): sending P3 = \([response[1]].hexString)" }
        return try exchange(T0Host.tpdu(Array(tpdu.prefix(4)), p3: response[1]))
    }

    /// Case 4's response: the data the card announces with 61xx, fetched with GET RESPONSE
    /// until it stops announcing or `ne` bytes are in; the last status word ends the response.
    private func collect(_ first: [UInt8], cla: UInt8, ne: Int) throws(DriverError) -> [UInt8] {
        var response = first
        var data: [UInt8] = []
        var parts = 0
        // GET RESPONSE is interindustry: CLA 00 with the command's logical channel (bits 1–2).
        let getResponseCLA: UInt8 = cla & 0x80 == 0 ? cla & 0x03 : 0x00
        while true {
            let status = Array(response.suffix(2))
            data += response.dropLast(2)
            guard status[0] == 0x61, data.count < ne else { return data + status }
            parts += 1
            guard parts <= T0Host.maxResponseParts else { throw .communication("endless 61xx chain") }
            let available = status[1] == 0 ? 256 : Int(status[1])
            let le = UInt8(truncatingIfNeeded: min(available, ne - data.count))
            response = try outgoing(T0Host.tpdu([getResponseCLA, 0xC0, 0x00, 0x00], p3: le))
        }
    }

    /// `header ‖ P3`.
    private static func tpdu(_ header: [UInt8], p3: UInt8) -> [UInt8] {
        var tpdu = header
        tpdu.append(p3)
        return tpdu
    }

    /// One TPDU in one XfrBlock; its answer holds at least SW1 SW2.
    private func exchange(_ tpdu: [UInt8]) throws(DriverError) -> [UInt8] {
        let answer = try host.xfrBlock(tpdu).abData
        guard answer.count >= 2 else { throw .communication("T=0 answer of \(answer.count) bytes, no status word") }
        return answer
    }
}
