import CardOS
import CCID
import ISO7816

/// TPDU level (dwFeatures 0x00010000): each XfrBlock carries one T=1 block and its DataBlock
/// the card's answer block; the device runs the card's side of T=1 (``T1CardProtocol``).
extension TokenDevice {
    func tpduBlock(_ header: CCIDHeader, abData: [UInt8]) {
        switch t1.receive(abData) {
        case .reply(let block):
            reply(dataBlock(answering: header, block.bytes))
        case .abandon(let block):
            if card.isWaiting { card.abort() }
            pollDeadline = nil
            dropFaultState()
            reply(dataBlock(answering: header, block.bytes))
        case .command(let apdu):
            switch runCommand(apdu) {
            case .answer(let response):
                if let block = t1.cardResponded(response) {
                    reply(dataBlock(answering: header, maybeCorrupted(block.bytes)))
                }
            case .waitingForHolder, .held(timeExtensions: true):
                // With T=1 the card itself asks for time: S(WTX request) (ISO/IEC 7816-3 §11.6.2.3).
                reply(dataBlock(answering: header, t1.requestWaitingTimeExtension().bytes))
                pollDeadline = now + TokenDevice.timeExtensionInterval
            case .askForTime(let multiplier):
                reply(dataBlock(answering: header, t1.requestWaitingTimeExtension(multiplier: multiplier).bytes))
                pollDeadline = now + TokenDevice.timeExtensionInterval
            case .held(timeExtensions: false), .powerLost:
                open = OpenCommand(header: header, nextTimeExtension: UInt64.max, wtxDeadline: nil)
            case .cardGone(let fault):
                cardGone(fault, answering: header)
            }
        case .keepWaiting:
            // The reader granted the time: this XfrBlock stays open until the card answers,
            // with CCID time extensions in between and a new S(WTX request) when it runs out.
            let time = now
            open = OpenCommand(header: header, nextTimeExtension: time + TokenDevice.timeExtensionInterval,
                               wtxDeadline: time + TokenDevice.wtxInterval)
            pollDeadline = nil
        }
    }
}
