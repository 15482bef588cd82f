import ISO7816

/// The card's side of T=0 as a CCID reader at TPDU level passes it (ISO/IEC 7816-3 §10 and
/// §12.2, CCID rev 1.1 §6.1.4): each XfrBlock carries one command TPDU, `CLA INS P1 P2 P3` and
/// P3 data bytes (incoming) or none (outgoing, P3 = Le, 00 = 256); its DataBlock carries the
/// response data (outgoing only) and SW1 SW2. The card OS works on APDUs; this turns them into
/// what a T=0 card answers:
///
/// - an outgoing TPDU (case 1 or 2) is the APDU `CLA INS P1 P2 Le`; when the card has data but
///   fewer bytes than Le, the answer is `6C La` and the same header with P3 = La gets that
///   response (the command is not run twice);
/// - an incoming TPDU (case 3, or case 4 sent as case 3) is the APDU as is; response data cannot
///   travel with it, so the card keeps it and answers `61 La` (00: 256 or more);
/// - an incoming TPDU with one byte more than P3 announces (a case 4 APDU with its Le byte, as
///   stock libccid forwards it) is run as that case 4 APDU, answered with `61 La` the same way;
/// - GET RESPONSE `00 C0 00 00 Le` takes the kept data: Le bytes and `61 xx` while some are
///   left, the last part with the command's status word, `6C La` when Le is more than is left.
///   With nothing kept it goes to the card OS (its own 61xx of a long response).
///
/// Not thread-safe: its device calls it.
struct T0CardProtocol {
    /// What to do with one TPDU.
    enum Step: Equatable {
        /// Answer the TPDU with these bytes (data and SW1 SW2); the card OS is not involved.
        case reply([UInt8])
        /// Give this command APDU to the card OS, then its response to ``cardResponded(_:)``.
        case command([UInt8])
    }

    /// The command the card OS is working on: an outgoing one with its header and Le, or an
    /// incoming one.
    private enum InFlight {
        case outgoing(header: [UInt8], le: Int)
        case incoming
    }

    /// Response data kept for GET RESPONSE, and the status word that ends it.
    private var held: [UInt8] = []
    private var heldStatus: [UInt8] = []
    /// A case 2 answer refused with 6Cxx: given when its header comes back with P3 = xx.
    private var refusedHeader: [UInt8] = []
    private var refusedLength = 0
    private var refusedResponse: [UInt8] = []
    private var inFlight: InFlight? = nil

    /// Whether the card holds response data for GET RESPONSE.
    var holdsResponse: Bool { !held.isEmpty }

    /// Power-off, reset, abort: everything kept is forgotten.
    mutating func reset() {
        self = T0CardProtocol()
    }

    /// One command TPDU from the reader.
    mutating func receive(_ tpdu: [UInt8]) -> Step {
        guard tpdu.count >= 5 else {
            inFlight = nil
            return .reply(StatusWord.wrongLength.bytes)
        }
        let header = Array(tpdu[0..<4])
        let p3 = Int(tpdu[4])
        let body = tpdu.count - 5
        if body == 0 {
            let le = p3 == 0 ? 256 : p3
            if !refusedHeader.isEmpty, header == refusedHeader, le == refusedLength {
                let response = refusedResponse
                forgetRefused()
                held = []
                return .reply(response)
            }
            forgetRefused()
            if header[1] == 0xC0, header[0] & 0xEC == 0x00, header[2] == 0, header[3] == 0, !held.isEmpty {
                return .reply(takeHeld(le))
            }
            held = []
            inFlight = .outgoing(header: header, le: le)
            return .command(tpdu)
        }
        forgetRefused()
        held = []
        guard p3 != 0, body == p3 || body == p3 + 1 else {
            inFlight = nil
            return .reply(StatusWord.wrongLength.bytes)
        }
        inFlight = .incoming
        return .command(tpdu)
    }

    /// The card OS's response to the command of the last ``Step/command(_:)``: what the card
    /// sends back at T=0.
    mutating func cardResponded(_ response: [UInt8]) -> [UInt8] {
        guard let command = inFlight, response.count >= 2 else { return response }
        inFlight = nil
        let dataCount = response.count - 2
        switch command {
        case .outgoing(let header, let le):
            guard dataCount > 0, dataCount < le else { return response }
            refusedHeader = header
            refusedLength = dataCount
            refusedResponse = response
            return [0x6C, UInt8(dataCount)]
        case .incoming:
            guard dataCount > 0 else { return response }
            held = Array(response[..<dataCount])
            heldStatus = Array(response[dataCount...])
            return [0x61, UInt8(truncatingIfNeeded: min(held.count, 256))]
        }
    }

    /// The command was abandoned (CCID Abort): no answer is coming for it.
    mutating func abandon() {
        inFlight = nil
    }

    /// GET RESPONSE of `le` bytes from what is kept.
    private mutating func takeHeld(_ le: Int) -> [UInt8] {
        let available = min(held.count, 256)
        guard le <= available else { return [0x6C, UInt8(truncatingIfNeeded: available)] }
        let part = Array(held[..<le])
        held.removeFirst(le)
        guard held.isEmpty else { return part + [0x61, UInt8(truncatingIfNeeded: min(held.count, 256))] }
        let status = heldStatus
        heldStatus = []
        return part + status
    }

    private mutating func forgetRefused() {
        refusedHeader = []
        refusedLength = 0
        refusedResponse = []
    }
}
