/// Why bytes are not a valid T=1 block (ISO/IEC 7816-3 §11.3, §11.4). A receiver answers every
/// one of them with an R-block (§11.6.3.2 rule 7.1): ``badLRC`` with the EDC error code, the
/// others with "other error" (``receiveError``).
public enum T1BlockError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Fewer bytes than the prologue, LEN and the LRC need.
    case truncated(count: Int)
    /// More bytes than 4 + LEN.
    case trailingBytes(expected: Int, count: Int)
    /// LEN is 0xFF, which is reserved.
    case reservedLength
    /// The LRC does not match the block.
    case badLRC(expected: UInt8, found: UInt8)
    /// A PCB that is no I-, R- or S-block (RFU bits set, unknown S function, R error code 3…15).
    case invalidPCB(UInt8)
    /// An information field the block type does not allow (an R-block with INF, an S(IFS)
    /// without exactly one byte or with the reserved value 00 or FF, …).
    case invalidInformationField(pcb: UInt8, count: Int)

    /// The error code of the R-block that answers this error.
    public var receiveError: T1ReceiveError {
        if case .badLRC = self { return .edcError }
        return .otherError
    }

    public var description: String {
        switch self {
        case .truncated(let count):
            return "T=1 block truncated: \(count) bytes"
        case .trailingBytes(let expected, let count):
            return "T=1 block of \(count) bytes, LEN gives \(expected)"
        case .reservedLength:
            return "T=1 block with the reserved LEN FF"
        case .badLRC(let expected, let found):
            return "T=1 block LRC " + hexByte(found) + ", expected " + hexByte(expected)
        case .invalidPCB(let pcb):
            return "invalid T=1 PCB " + hexByte(pcb)
        case .invalidInformationField(let pcb, let count):
            return "T=1 block with PCB " + hexByte(pcb) + ": \(count)-byte information field not allowed"
        }
    }
}
