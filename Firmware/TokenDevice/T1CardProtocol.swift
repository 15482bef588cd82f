import ISO7816

/// The card side of the T=1 block transmission protocol (ISO/IEC 7816-3 §11), used at CCID
/// TPDU level: each XfrBlock brings one block from the reader and its DataBlock carries the
/// card's answer.
///
/// - I-blocks carry the APDUs, chained with the M bit when longer than the receiver's IFS:
///   the card accepts chains of at most IFSC (32) bytes per block and acknowledges each part
///   with an R-block; it chains responses longer than IFSD, sending the next part when the
///   reader acknowledges with an R-block whose N(R) is the next N(S) (§11.6.2.3).
/// - A block with a bad LRC or otherwise invalid gets an R-block NAK with N(R) = the N(S) the
///   card expects (rule 7.1); an R-block that does not acknowledge makes the card retransmit
///   its last block (rule 7.2/7.3 from the card's side).
/// - S-blocks: RESYNCH resets sequence numbers and IFSD (rule 6.4), IFS sets IFSD, ABORT drops
///   a chain, and while the card waits for the holder it asks for time with S(WTX request),
///   answered by the reader's S(WTX response) (rule 3).
///
/// NAD is always 0 (dwFeatures does not announce NADs other than 0).
struct T1CardProtocol {
    /// Where the exchange stands.
    enum Phase: Equatable {
        /// Between commands, or receiving the first block of one.
        case idle
        /// The reader is sending a chained command (the card acknowledged a block with M = 1).
        case receivingChain
        /// The card sent a response block with M = 1 and waits for the reader's R-block.
        case sendingChain
        /// The card sent S(WTX request) and waits for the S(WTX response).
        case awaitingWTXResponse
        /// The reader granted the time; the card is still working on the command.
        case cardWorking
    }

    /// IFSC, the card's information field size: the most INF bytes the reader may send in one
    /// I-block (the ATR's default).
    static let ifsc = T1Block.defaultInformationFieldSize
    /// The longest command APDU accepted from a chain: an extended APDU with 65,535 data bytes.
    static let maxCommandLength = 7 + 65_535 + 3

    /// IFSD, the reader's information field size: the most INF bytes the card sends in one I-block.
    private(set) var ifsd = T1Block.defaultInformationFieldSize
    private(set) var phase = Phase.idle
    /// N(S) of the card's next I-block.
    private var sendSequence: UInt8 = 0
    /// N(S) the card expects on the reader's next I-block.
    private var receiveSequence: UInt8 = 0
    /// The command received so far from a chain.
    private var command: [UInt8] = []
    /// The part of the response not yet sent.
    private var response: [UInt8] = []
    /// The response the card finished while its S(WTX request) was still unanswered.
    private var heldResponse: [UInt8]? = nil
    /// The last block sent other than a NAK, for retransmission.
    private var lastSent: T1Block? = nil

    /// Back to the state after the ATR: sequence numbers 0, IFSD 32, nothing pending.
    mutating func reset() {
        self = T1CardProtocol()
    }

    /// Handles one block from the reader.
    mutating func receive(_ bytes: [UInt8]) -> T1CardStep {
        let block: T1Block
        do {
            block = try T1Block(parsing: bytes)
        } catch {
            return .reply(nak(error.receiveError))
        }
        guard block.nad == 0 else { return .reply(nak(.otherError)) }
        switch block.kind {
        case .information(let sequence, let more, let data):
            return information(sequence: sequence, more: more, data: data)
        case .receiveReady(let sequence, _):
            return receiveReady(sequence: sequence)
        case .supervisory(let function):
            return supervisory(function)
        }
    }

    /// The card answered the command: the first (or only) block of the response, or `nil` when
    /// the card's S(WTX request) is still unanswered (the response goes out after the reader's
    /// S(WTX response)).
    mutating func cardResponded(_ apdu: [UInt8]) -> T1Block? {
        guard phase != .awaitingWTXResponse else {
            heldResponse = apdu
            return nil
        }
        response = apdu
        return nextResponseBlock()
    }

    /// The card waits for the holder (or still does when the granted time ran out): ask the
    /// reader for one more block waiting time.
    mutating func requestWaitingTimeExtension(multiplier: UInt8 = 1) -> T1Block {
        phase = .awaitingWTXResponse
        return sent(.supervisory(.wtxRequest(multiplier: multiplier)))
    }

    /// PC_to_RDR_Secure at TPDU level: whether the reader's bTeoPrologue PCB is the I-block the
    /// card expects next (N(S) in step, no exchange under way).
    func acceptsKeypadBlock(pcb: UInt8) -> Bool {
        phase == .idle && pcb & 0x80 == 0 && pcb & 0x20 == 0 && (pcb >> 6) & 1 == receiveSequence
    }

    /// The keypad's APDU counts as the I-block the reader announced in bTeoPrologue: the card
    /// expects the next N(S), and answers with its own I-block (``cardResponded(_:)``).
    mutating func keypadCommandSent() {
        receiveSequence ^= 1
    }

    /// The command was aborted outside T=1 (CCID Abort, power, removal): drop what is pending
    /// but keep the sequence numbers, which both sides have advanced alike.
    mutating func abandonExchange() {
        phase = .idle
        command = []
        response = []
        heldResponse = nil
        lastSent = nil
    }

    // MARK: Blocks from the reader

    private mutating func information(sequence: UInt8, more: Bool, data: [UInt8]) -> T1CardStep {
        guard phase == .idle || phase == .receivingChain, sequence == receiveSequence,
              data.count <= T1CardProtocol.ifsc else { return .reply(nak(.otherError)) }
        guard command.count + data.count <= T1CardProtocol.maxCommandLength else {
            command = []
            phase = .idle
            return .reply(nak(.otherError))
        }
        receiveSequence ^= 1
        command += data
        if more {
            phase = .receivingChain
            return .reply(sent(.receiveReady(sequence: receiveSequence, error: .none)))
        }
        phase = .idle
        let complete = command
        command = []
        return .command(complete)
    }

    private mutating func receiveReady(sequence: UInt8) -> T1CardStep {
        if phase == .sendingChain && sequence == sendSequence {
            // The reader acknowledged the last part and asks for the next one.
            return .reply(nextResponseBlock())
        }
        guard let lastSent else { return .reply(nak(.otherError)) }
        return .reply(lastSent)
    }

    private mutating func supervisory(_ function: T1Supervisory) -> T1CardStep {
        switch function {
        case .resynchRequest:
            self = T1CardProtocol()
            return .abandon(reply: sent(.supervisory(.resynchResponse)))
        case .abortRequest:
            abandonExchange()
            return .abandon(reply: sent(.supervisory(.abortResponse)))
        case .ifsRequest(let size):
            ifsd = Int(size)
            return .reply(sent(.supervisory(.ifsResponse(size))))
        case .wtxResponse where phase == .awaitingWTXResponse:
            guard let held = heldResponse else {
                phase = .cardWorking
                return .keepWaiting
            }
            heldResponse = nil
            phase = .idle
            response = held
            return .reply(nextResponseBlock())
        default:
            return .reply(nak(.otherError))
        }
    }

    // MARK: Blocks to the reader

    /// The next I-block of the response: at most IFSD bytes, M set while more follow.
    private mutating func nextResponseBlock() -> T1Block {
        let part = Array(response.prefix(ifsd))
        response.removeFirst(part.count)
        let more = !response.isEmpty
        let block = sent(.information(sequence: sendSequence, more: more, data: part))
        sendSequence ^= 1
        phase = more ? .sendingChain : .idle
        return block
    }

    /// An R-block reporting an error; not kept for retransmission.
    private func nak(_ error: T1ReceiveError) -> T1Block {
        .receiveReady(sequence: receiveSequence, error: error)
    }

    /// Remembers a block for retransmission.
    private mutating func sent(_ kind: T1BlockKind) -> T1Block {
        let block = T1Block(kind)
        lastSent = block
        return block
    }
}

/// What the card's T=1 layer does with a block from the reader (``T1CardProtocol/receive(_:)``).
enum T1CardStep: Equatable {
    /// Send this block back.
    case reply(T1Block)
    /// A whole command APDU arrived (the last I-block of a chain): give it to the card.
    case command([UInt8])
    /// The reader granted more time (S(WTX response)) while the card works: send nothing yet.
    case keepWaiting
    /// The exchange was abandoned (S(RESYNCH) or S(ABORT) request): end the card's open
    /// command, if any, then send this block.
    case abandon(reply: T1Block)
}
