import CCID
import ISO7816
import TokenDevice

/// A small host side of T=1 (ISO/IEC 7816-3 §11) over the device's XfrBlock, for the tests of
/// the card side: chaining both ways, R-block acknowledgements, S(WTX) answers. The driver
/// has the real one.
final class T1Host {
    let harness: DeviceHarness
    /// The card's IFSC: the most INF bytes sent per I-block.
    var ifsc = 32
    /// N(S) of the host's next I-block.
    var sendSequence: UInt8 = 0
    /// N(S) expected on the card's next I-block.
    var receiveSequence: UInt8 = 0
    /// How many S(WTX request) and CCID time extensions (bStatus 0x80) came in.
    private(set) var wtxRequests = 0
    private(set) var timeExtensions = 0
    /// Every block the card sent, and every block sent to it, in order.
    private(set) var received: [T1Block] = []
    private(set) var sent: [T1Block] = []

    init(_ harness: DeviceHarness) {
        self.harness = harness
    }

    /// Sends raw bytes in an XfrBlock and returns the card's block bytes. While the XfrBlock
    /// stays open, `whileWaiting` runs (advance the clock and tick, press buttons); CCID time
    /// extensions are counted and skipped.
    func exchangeRaw(_ bytes: [UInt8], whileWaiting: (Int) -> Void = { _ in }) -> [UInt8] {
        let bSeq = harness.send(.xfrBlock(bBWI: 0, wLevelParameter: 0, abData: bytes))
        for round in 0..<1_000 {
            for reply in harness.replies() {
                precondition(reply.bSeq == bSeq, "reply for another command")
                if reply.bStatus.bmCommandStatus == .timeExtension {
                    timeExtensions += 1
                    continue
                }
                precondition(reply.bStatus.bmCommandStatus == .processedWithoutError, "XfrBlock failed: \(reply)")
                return reply.abData
            }
            whileWaiting(round)
        }
        fatalError("the card never answered")
    }

    /// Sends one block and parses the answer.
    func exchange(_ block: T1Block, whileWaiting: (Int) -> Void = { _ in }) -> T1Block {
        sent.append(block)
        let answer = try! T1Block(parsing: exchangeRaw(block.bytes, whileWaiting: whileWaiting))
        received.append(answer)
        return answer
    }

    /// Sends a whole APDU (chained in IFSC parts), answers S(WTX) requests, acknowledges the
    /// card's chained response; returns the response APDU.
    func transmit(_ apdu: [UInt8], beforeWTXResponse: () -> Void = {},
                  whileWaiting: (Int) -> Void = { _ in }) -> [UInt8] {
        var parts: [[UInt8]] = []
        var at = 0
        repeat {
            parts.append(Array(apdu[at..<min(at + ifsc, apdu.count)]))
            at += ifsc
        } while at < apdu.count
        var answer = T1Block.receiveReady(sequence: 0)
        for (index, part) in parts.enumerated() {
            let more = index < parts.count - 1
            answer = exchange(.information(part, sequence: sendSequence, more: more), whileWaiting: whileWaiting)
            sendSequence ^= 1
            if more {
                precondition(answer == .receiveReady(sequence: sendSequence), "chain part not acknowledged: \(answer)")
            }
        }
        var response: [UInt8] = []
        while true {
            switch answer.kind {
            case .supervisory(.wtxRequest(let multiplier)):
                wtxRequests += 1
                beforeWTXResponse()
                answer = exchange(.supervisory(.wtxResponse(multiplier: multiplier)), whileWaiting: whileWaiting)
            case .information(let sequence, let more, let data):
                precondition(sequence == receiveSequence, "card N(S) \(sequence), expected \(receiveSequence)")
                receiveSequence ^= 1
                response += data
                guard more else { return response }
                answer = exchange(.receiveReady(sequence: receiveSequence))
            default:
                fatalError("unexpected block \(answer)")
            }
        }
    }

    /// Sends a command that makes the card wait: its chain, then the S(WTX response) to the
    /// card's S(WTX request), in an XfrBlock that stays open. Returns that XfrBlock's bSeq.
    func startWaiting(_ apdu: [UInt8]) -> UInt8 {
        var rest = apdu
        while rest.count > ifsc {
            let ack = exchange(.information(Array(rest.prefix(ifsc)), sequence: sendSequence, more: true))
            sendSequence ^= 1
            precondition(ack == .receiveReady(sequence: sendSequence), "chain part not acknowledged: \(ack)")
            rest.removeFirst(ifsc)
        }
        let request = exchange(.information(rest, sequence: sendSequence))
        sendSequence ^= 1
        guard case .supervisory(.wtxRequest(let multiplier)) = request.kind else {
            fatalError("the card did not ask for time: \(request)")
        }
        let bSeq = harness.send(.xfrBlock(bBWI: 0, wLevelParameter: 0,
                                          abData: T1Block.supervisory(.wtxResponse(multiplier: multiplier)).bytes))
        precondition(harness.replies().isEmpty, "the WTX response should keep the XfrBlock open")
        return bSeq
    }
}
