/// The functions of T=1 S-blocks (ISO/IEC 7816-3 §11.3.2.2, §11.6.2.2): PCB `11 r fffff`
/// with r = 0 for a request and 1 for a response.
///
///     RESYNCH  C0 / E0   no INF; resets both sequence numbers and the IFS (sent by the reader)
///     IFS      C1 / E1   INF = 1 byte, the new IFSC or IFSD (1…254)
///     ABORT    C2 / E2   no INF; abandons a chain
///     WTX      C3 / E3   INF = 1 byte, the multiplier of BWT for the next block (card's request)
///     VPP error     E4   no INF; (response only, from the card)
public enum T1Supervisory: Hashable, Sendable {
    case resynchRequest
    case resynchResponse
    /// IFS request: the sender's new information field size (IFSC from the card, IFSD from the reader).
    case ifsRequest(UInt8)
    /// IFS response: the same value, acknowledged.
    case ifsResponse(UInt8)
    case abortRequest
    case abortResponse
    /// WTX request: the card needs `multiplier` × BWT for its next block.
    case wtxRequest(multiplier: UInt8)
    /// WTX response: the reader grants it, echoing the multiplier.
    case wtxResponse(multiplier: UInt8)
    case vppErrorResponse

    /// Decodes an S-block's PCB and information field.
    public init(pcb: UInt8, inf: [UInt8]) throws(T1BlockError) {
        func noInformation() throws(T1BlockError) {
            guard inf.isEmpty else { throw .invalidInformationField(pcb: pcb, count: inf.count) }
        }
        func oneByte() throws(T1BlockError) -> UInt8 {
            guard inf.count == 1 else { throw .invalidInformationField(pcb: pcb, count: inf.count) }
            return inf[0]
        }
        switch pcb {
        case 0xC0: try noInformation(); self = .resynchRequest
        case 0xE0: try noInformation(); self = .resynchResponse
        case 0xC1, 0xE1:
            let size = try oneByte()
            // IFS values 00 and FF are reserved (§11.4.2).
            guard size != 0x00, size != 0xFF else { throw .invalidInformationField(pcb: pcb, count: inf.count) }
            self = pcb == 0xC1 ? .ifsRequest(size) : .ifsResponse(size)
        case 0xC2: try noInformation(); self = .abortRequest
        case 0xE2: try noInformation(); self = .abortResponse
        case 0xC3: self = .wtxRequest(multiplier: try oneByte())
        case 0xE3: self = .wtxResponse(multiplier: try oneByte())
        case 0xE4: try noInformation(); self = .vppErrorResponse
        default: throw .invalidPCB(pcb)
        }
    }

    /// Whether this is a response (bit 6 of PCB).
    public var isResponse: Bool { pcb & 0x20 != 0 }

    /// The protocol control byte.
    public var pcb: UInt8 {
        switch self {
        case .resynchRequest: return 0xC0
        case .resynchResponse: return 0xE0
        case .ifsRequest: return 0xC1
        case .ifsResponse: return 0xE1
        case .abortRequest: return 0xC2
        case .abortResponse: return 0xE2
        case .wtxRequest: return 0xC3
        case .wtxResponse: return 0xE3
        case .vppErrorResponse: return 0xE4
        }
    }

    /// The information field.
    public var inf: [UInt8] {
        switch self {
        case .ifsRequest(let size), .ifsResponse(let size): return [size]
        case .wtxRequest(let multiplier), .wtxResponse(let multiplier): return [multiplier]
        default: return []
        }
    }
}
