import CCID
import ISO7816

/// The reader's side of T=1 (ISO/IEC 7816-3 §11.6) for CCID readers at TPDU level, where
/// each XfrBlock carries one block: command APDUs go out as I-blocks chained at IFSC, response
/// chains are acknowledged with R-blocks, S(WTX) requests are granted (with the multiplier in
/// bBWI) up to the host's `apduTimeLimit`, S(IFS) requests accepted, IFSD 254 is announced at start, and errors are answered
/// with R-blocks, then S(RESYNCH). Blocks are the shared `T1Block` codec.
///
/// Not thread-safe: its reader calls it with the reader's lock held.
final class T1Host {
    /// IFSD, the reader's information field size announced with S(IFS request).
    static let ifsd: UInt8 = 254
    /// Bad or unexpected blocks in a row before resynchronising (rule 7: three retries).
    static let maxRetries = 3

    let host: CCIDHost
    /// IFSC, the most INF bytes the card accepts per I-block.
    private(set) var ifsc: Int
    private let defaultIFSC: Int
    /// N(S) of our next I-block, and N(S) expected on the card's next I-block.
    private var sendSequence: UInt8 = 0
    private var receiveSequence: UInt8 = 0
    /// Set when an exchange was given up half-way (more time asked for past the limit): the
    /// next APDU starts with S(RESYNCH).
    private var mustResynchronise = false

    /// A session with the T=1 parameters that SetParameters sends: IFSC from bIFSC. The
    /// shared `T1Block` codec checks blocks with an LRC only, so a card whose parameters ask for
    /// CRC (bmTCCKST1 bit 0) is refused: protocol not supported.
    init(host: CCIDHost, parameters: CCIDProtocolDataT1) throws(DriverError) {
        guard !parameters.usesCRC else { throw .protocolNotSupported }
        self.host = host
        ifsc = min(max(Int(parameters.bIFSC), 1), T1Block.maxInformationFieldSize)
        defaultIFSC = ifsc
    }

    /// SetParameters for T=1 from the ATR: Fi/Di (TA1), guard time (TC1), BWI/CWI and IFSC
    /// (first TB/TA for T=1), LRC; direct convention.
    static func parameters(for atr: ATR?) -> CCIDProtocolDataT1 {
        guard let atr else { return CCIDProtocolDataT1() }
        return CCIDProtocolDataT1(bmFindexDindex: atr.ta1 ?? 0x11, bmTCCKST1: 0x10 | (atr.t1UsesCRC ? 1 : 0),
                                  bGuardTimeT1: UInt8(truncatingIfNeeded: atr.extraGuardTime),
                                  bmWaitingIntegersT1: UInt8(atr.bwi & 0x0F) << 4 | UInt8(atr.cwi & 0x0F),
                                  bClockStop: 0, bIFSC: UInt8(min(max(atr.ifsc, 1), 254)), bNadValue: 0)
    }

    /// S(IFS request 254) → S(IFS response 254). A card that refuses keeps IFSD 32; not fatal.
    func negotiateIFSD() throws(DriverError) {
        for _ in 0..<T1Host.maxRetries {
            if case .supervisory(.ifsResponse(T1Host.ifsd))? = try exchange(.supervisory(.ifsRequest(T1Host.ifsd)))?.kind {
                Trace.log { "T=1 IFSD \(T1Host.ifsd) accepted" }
                return
            }
        }
        Trace.log { "T=1 IFSD negotiation failed; keeping 32" }
    }

    /// One command APDU → its response APDU; after a protocol failure, S(RESYNCH) and one retry.
    /// PC_to_RDR_Secure at TPDU level: NAD, PCB and LEN of the I-block this host would send
    /// next (libccid's t1_build for bTeoPrologue).
    func prologue(informationLength: Int) -> [UInt8] {
        [0x00, sendSequence << 6, UInt8(truncatingIfNeeded: informationLength)]
    }

    /// The reader answered a Secure with the card's I-block: both sequence numbers advance as if
    /// the keypad's I-block and the answer had been exchanged here; the answer's INF.
    func keypadExchanged(answer: [UInt8]) throws(DriverError) -> [UInt8] {
        let block: T1Block
        do {
            block = try T1Block(parsing: answer)
        } catch {
            throw .t1("the reader's answer to Secure is no T=1 block: \(error)")
        }
        guard case .information(let sequence, false, let data) = block.kind, sequence == receiveSequence else {
            throw .t1("the reader's answer to Secure is not the card's next unchained I-block")
        }
        sendSequence ^= 1
        receiveSequence ^= 1
        return data
    }

    func transceive(_ apdu: [UInt8]) throws(DriverError) -> [UInt8] {
        if mustResynchronise { try resynchronise() }
        do {
            return try attempt(apdu)
        } catch .t1(let why) {
            Trace.log { "T=1 error (\(why)): resynchronising" }
            try resynchronise()
            return try attempt(apdu)
        }
    }

    private func attempt(_ apdu: [UInt8]) throws(DriverError) -> [UInt8] {
        // The APDU's parts at IFSC, cut when sent (most APDUs are one part: the APDU itself).
        let size = ifsc
        let parts = max(1, (apdu.count + size - 1) / size)
        func part(_ index: Int) -> [UInt8] {
            parts == 1 ? apdu : Array(apdu[index * size..<min(apdu.count, (index + 1) * size)])
        }
        var index = 0
        var sending = T1Block.information(part(0), sequence: sendSequence, more: parts > 1)
        var lastInformation = sending
        var receiving = false
        var response: [UInt8] = []
        var errors = 0
        var bwi: UInt8 = 0
        // Each XfrBlock has the host's limit on CCID time extensions; S(WTX) chains need one too.
        let wtxDeadline = Deadline.after(milliseconds: host.apduTimeLimit)

        func failed(_ why: String, answer: T1Block) throws(DriverError) {
            errors += 1
            guard errors <= T1Host.maxRetries else { throw .t1(why) }
            sending = answer
        }

        while true {
            let reply = try exchange(sending, bBWI: bwi)
            bwi = 0
            guard let reply else {
                try failed("bad blocks", answer: .receiveReady(sequence: receiveSequence, error: .edcError))
                continue
            }
            switch reply.kind {
            case .information(let sequence, let more, let data):
                guard sequence == receiveSequence, receiving || index == parts - 1 else {
                    try failed("unexpected I-block", answer: .receiveReady(sequence: receiveSequence, error: .otherError))
                    continue
                }
                if !receiving {
                    receiving = true
                    sendSequence ^= 1          // the card's I-block acknowledges our last one
                }
                errors = 0
                if response.isEmpty { response = data } else { response += data }      // no copy for one I-block
                guard response.count <= 65_538 else { throw .t1("response longer than an extended APDU") }
                receiveSequence ^= 1
                guard more else { return response }
                sending = .receiveReady(sequence: receiveSequence)
            case .receiveReady(let sequence, let error):
                if !receiving, error == .none, sequence != sendSequence, index < parts - 1 {
                    // Acknowledges a chained part: send the next one.
                    sendSequence ^= 1
                    index += 1
                    errors = 0
                    sending = .information(part(index), sequence: sendSequence, more: index < parts - 1)
                    lastInformation = sending
                } else if !receiving {
                    try failed("R-block \(sequence)/\(error)", answer: lastInformation)
                } else {
                    try failed("R-block while receiving", answer: sending)
                }
            case .supervisory(.wtxRequest(let multiplier)):
                guard !wtxDeadline.hasPassed else {
                    Trace.log { "T=1 S(WTX request) past \(host.apduTimeLimit) ms: refused, aborting" }
                    host.abort()
                    mustResynchronise = true
                    throw .timeExtensionLimit(milliseconds: host.apduTimeLimit)
                }
                Trace.log { "T=1 S(WTX request ×\(multiplier)) granted" }
                sending = .supervisory(.wtxResponse(multiplier: multiplier))
                bwi = multiplier
            case .supervisory(.ifsRequest(let size)):
                ifsc = Int(size)
                sending = .supervisory(.ifsResponse(size))
            case .supervisory(.abortRequest):
                _ = try exchange(.supervisory(.abortResponse))
                throw .communication("T=1: the card aborted the chain")
            case .supervisory:
                try failed("unexpected S-block", answer: receiving ? sending : lastInformation)
            }
        }
    }

    /// S(RESYNCH request) until S(RESYNCH response): sequence numbers 0, IFSC from the ATR,
    /// IFSD announced again (§11.6.3.2 rule 6).
    private func resynchronise() throws(DriverError) {
        for _ in 0..<T1Host.maxRetries {
            if case .supervisory(.resynchResponse)? = try exchange(.supervisory(.resynchRequest))?.kind {
                sendSequence = 0
                receiveSequence = 0
                ifsc = defaultIFSC
                mustResynchronise = false
                try negotiateIFSD()
                return
            }
        }
        throw .communication("T=1 resynchronisation failed")
    }

    /// One XfrBlock: `block` out, the card's block back; `nil` for a block that does not parse
    /// or a transmission error the reader reports (parity, overrun, mute → retry).
    private func exchange(_ block: T1Block, bBWI: UInt8 = 0) throws(DriverError) -> T1Block? {
        Trace.log { "T=1 → " + T1Host.describe(block) }
        let data: [UInt8]
        do {
            data = try host.xfrBlock(block.bytes, bBWI: bBWI).abData
        } catch .slotError(let error) where [.XFR_PARITY_ERROR, .XFR_OVERRUN, .ICC_MUTE].contains(error) {
            Trace.log { "T=1 ← transmission error \(error)" }
            return nil
        } catch .timeout {
            Trace.log { "T=1 ← no block in time" }
            return nil
        } catch .timeExtensionLimit(let limit) {
            mustResynchronise = true            // the reader aborted this block's exchange
            throw .timeExtensionLimit(milliseconds: limit)
        }
        do {
            let reply = try T1Block(parsing: data)
            Trace.log { "T=1 ← " + T1Host.describe(reply) }
            return reply
        } catch {
            Trace.log { "T=1 ← bad block: \(error)" }
            return nil
        }
    }

    /// A block for the trace: type, sequence, M bit and INF length — never INF (it may hold a PIN).
    static func describe(_ block: T1Block) -> String {
        switch block.kind {
        case .information(let sequence, let more, let data):
            return "I(\(sequence)\(more ? ", M" : "")) [\(data.count)]"
        case .receiveReady(let sequence, let error):
            return "R(\(sequence))" + (error == .none ? "" : " \(error)")
        case .supervisory(let function):
            return "S(\(function))"
        }
    }
}
