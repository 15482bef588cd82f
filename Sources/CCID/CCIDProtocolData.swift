/// abProtocolDataStructure of PC_to_RDR_SetParameters and RDR_to_PC_Parameters, chosen by
/// bProtocolNum (CCID rev 1.1 §6.1.7, Tables 6.1-1 and 6.1-2): 5 bytes for T=0, 7 for T=1.
public enum CCIDProtocolData: Hashable, Sendable {
    case t0(CCIDProtocolDataT0)
    case t1(CCIDProtocolDataT1)

    /// bProtocolNum: 0 for T=0, 1 for T=1.
    public var bProtocolNum: UInt8 {
        switch self {
        case .t0: return 0
        case .t1: return 1
        }
    }

    /// The encoded structure (without bProtocolNum, which lives in the header).
    public var bytes: [UInt8] {
        switch self {
        case .t0(let t0): return t0.bytes
        case .t1(let t1): return t1.bytes
        }
    }

    /// Parses the structure of `bProtocolNum` from the message's abData.
    /// - Throws: `badParameter` at `protocolOffset` (where bProtocolNum sits: 7 in
    ///   SetParameters, 9 in Parameters) for an unknown protocol, offset 1 for a wrong dwLength.
    init(bProtocolNum: UInt8, abData: [UInt8], header: CCIDHeader,
         protocolOffset: UInt8 = 7) throws(CCIDError) {
        switch bProtocolNum {
        case 0:
            guard abData.count == CCIDProtocolDataT0.count else { throw .badParameter(header, offset: 1) }
            self = .t0(CCIDProtocolDataT0(abData))
        case 1:
            guard abData.count == CCIDProtocolDataT1.count else { throw .badParameter(header, offset: 1) }
            self = .t1(CCIDProtocolDataT1(abData))
        default:
            throw .badParameter(header, offset: protocolOffset)
        }
    }
}
