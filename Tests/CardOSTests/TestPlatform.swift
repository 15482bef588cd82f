import CardOS
import HostPlatform
import ISO7816

typealias TestPlatform = HostPlatform<MemoryNVM, ManualClock>

func makePlatform(memory: MemoryNVM = MemoryNVM()) -> TestPlatform {
    HostPlatform(memory: memory, crypto: OpenSSLCryptoEngine(), presence: HostPresence(), clock: ManualClock())
}

/// An applet that answers what its tests ask: echo data, a long response, a confirmation.
final class ProbeApplet: Applet {
    let aid: [UInt8]
    var selections = 0
    var resets = 0
    var received: [CommandAPDU] = []
    var decisions: [HolderDecision] = []
    var refuseSelect = false

    init(aid: [UInt8]) { self.aid = aid }

    func select() throws(StatusWord) -> [UInt8] {
        if refuseSelect { throw .conditionsNotSatisfied }
        selections += 1
        return [0x6F, 0x02, 0x84, 0x00]
    }

    func process(_ command: CommandAPDU) throws(StatusWord) -> AppletReply {
        received.append(command)
        switch command.ins {
        case 0x01: return .data(command.data)                                   // echo
        case 0x02: return .data((0..<Int(command.p1) * 100).map { UInt8($0 & 0xFF) })   // P1 × 100 bytes
        case 0x03:                                                               // confirm, P1 pages
            return .confirm((0..<Int(command.p1)).map { Screen(lines: ["page \($0)"], page: $0, pageCount: Int(command.p1)) })
        default: throw .insNotSupported
        }
    }

    func complete(_ decision: HolderDecision) throws(StatusWord) -> [UInt8] {
        decisions.append(decision)
        switch decision {
        case .approved: return [0xAA]
        case .denied: throw .conditionsNotSatisfied
        case .timedOut: throw .timeout
        case .aborted: throw .noPreciseDiagnosis
        }
    }

    func reset() { resets += 1 }
}

/// A card with two probe applets installed.
struct ProbeCard {
    let platform = makePlatform()
    let card: CardOS<TestPlatform>
    let first = ProbeApplet(aid: [0xA0, 0x00, 0x00, 0x00, 0x01, 0x01])
    let second = ProbeApplet(aid: [0xA0, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02])

    init() {
        card = CardOS(platform: platform)
        card.install(first)
        card.install(second)
    }

    /// Sends hex and returns the response as hex (data + SW), or "waiting".
    @discardableResult
    func send(_ hex: String) -> String {
        switch card.process([UInt8](hex: hex)!) {
        case .response(let bytes): return bytes.hexString
        case .waiting: return "waiting"
        case .noAnswer: return "no answer"
        }
    }
}
