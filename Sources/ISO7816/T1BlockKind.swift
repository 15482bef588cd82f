/// The three T=1 block types and what their PCB encodes (ISO/IEC 7816-3 §11.3.2.2):
///
///     I-block  0 N(S) M 0 0 0 0 0      information, N(S) send sequence number, M more data
///     R-block  1 0 0 N(R) e e e e      receive ready, N(R) next expected N(S), e error code
///     S-block  1 1 r f f f f f         supervisory: r 0 request / 1 response, f function
public enum T1BlockKind: Hashable, Sendable {
    /// I-block: `sequence` is N(S), `more` is the M bit, `data` the information field (part
    /// of an APDU).
    case information(sequence: UInt8, more: Bool, data: [UInt8])
    /// R-block: `sequence` is N(R); `error` says whether the block acknowledges or reports
    /// an error. Its information field is empty.
    case receiveReady(sequence: UInt8, error: T1ReceiveError)
    /// S-block: a supervisory request or response.
    case supervisory(T1Supervisory)

    /// Decodes PCB and checks the information field the block type allows.
    public init(pcb: UInt8, inf: [UInt8]) throws(T1BlockError) {
        switch pcb & 0xC0 {
        case 0x00, 0x40:
            guard pcb & 0x1F == 0 else { throw .invalidPCB(pcb) }
            self = .information(sequence: pcb >> 6 & 1, more: pcb & 0x20 != 0, data: inf)
        case 0x80:
            guard pcb & 0x20 == 0, let error = T1ReceiveError(rawValue: pcb & 0x0F) else { throw .invalidPCB(pcb) }
            guard inf.isEmpty else { throw .invalidInformationField(pcb: pcb, count: inf.count) }
            self = .receiveReady(sequence: pcb >> 4 & 1, error: error)
        default:
            self = .supervisory(try T1Supervisory(pcb: pcb, inf: inf))
        }
    }

    /// The protocol control byte.
    public var pcb: UInt8 {
        switch self {
        case .information(let sequence, let more, _):
            return (sequence & 1) << 6 | (more ? 0x20 : 0)
        case .receiveReady(let sequence, let error):
            return 0x80 | (sequence & 1) << 4 | error.rawValue
        case .supervisory(let function):
            return function.pcb
        }
    }

    /// The information field.
    public var inf: [UInt8] {
        switch self {
        case .information(_, _, let data): return data
        case .receiveReady: return []
        case .supervisory(let function): return function.inf
        }
    }
}
