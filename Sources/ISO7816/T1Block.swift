/// One block of the T=1 block transmission protocol (ISO/IEC 7816-3 §11.3), with the LRC
/// epilogue UKey uses (no CRC):
///
///     prologue: NAD  PCB  LEN    information field: INF[LEN]    epilogue: LRC
///
/// NAD is the node address byte (0 when addressing is not used); LEN is 0…254 (0xFF is
/// reserved); LRC is the exclusive-or of every byte before it (§11.4.3). What PCB encodes,
/// and what INF holds, depends on the block type (``T1BlockKind``).
///
/// The card side (TokenDevice) and the host side (the driver) share this codec.
public struct T1Block: Hashable, Sendable {
    /// The largest information field a block may carry (LEN 0xFF is reserved, §11.4.2).
    public static let maxInformationFieldSize = 254
    /// The default IFSC and IFSD: 32 bytes until an S(IFS) exchange changes them (§11.4.2).
    public static let defaultInformationFieldSize = 32
    /// Prologue (3 bytes) plus the LRC epilogue (1 byte).
    public static let overhead = 4

    /// NAD: destination node (bits 1–3) and source node (bits 5–7), §11.3.2.1.
    public var nad: UInt8
    /// The block type with its PCB fields and information field.
    public var kind: T1BlockKind

    public init(nad: UInt8 = 0, _ kind: T1BlockKind) {
        self.nad = nad
        self.kind = kind
    }

    /// An I-block: `sequence` is N(S) (0 or 1), `more` the M bit (chaining, §11.6.2.3).
    public static func information(_ data: [UInt8], sequence: UInt8, more: Bool = false) -> T1Block {
        T1Block(.information(sequence: sequence & 1, more: more, data: data))
    }

    /// An R-block: `sequence` is N(R), the N(S) of the I-block expected next.
    public static func receiveReady(sequence: UInt8, error: T1ReceiveError = .none) -> T1Block {
        T1Block(.receiveReady(sequence: sequence & 1, error: error))
    }

    /// An S-block.
    public static func supervisory(_ function: T1Supervisory) -> T1Block {
        T1Block(.supervisory(function))
    }

    /// Parses one complete block and checks its LRC.
    ///
    /// Errors in order: fewer than 4 bytes, LEN 0xFF, a size other than 4 + LEN, a wrong LRC,
    /// then a PCB or information field that no block type allows.
    public init(parsing bytes: some Collection<UInt8>) throws(T1BlockError) {
        let b = Array(bytes)
        guard b.count >= T1Block.overhead else { throw .truncated(count: b.count) }
        let len = Int(b[2])
        guard len <= T1Block.maxInformationFieldSize else { throw .reservedLength }
        guard b.count == T1Block.overhead + len else {
            throw b.count < T1Block.overhead + len
                ? .truncated(count: b.count) : .trailingBytes(expected: T1Block.overhead + len, count: b.count)
        }
        let lrc = T1Block.lrc(b[..<(b.count - 1)])
        guard lrc == b[b.count - 1] else { throw .badLRC(expected: lrc, found: b[b.count - 1]) }
        self.init(nad: b[0], try T1BlockKind(pcb: b[1], inf: Array(b[3..<(3 + len)])))
    }

    /// PCB, the protocol control byte (§11.3.2.2).
    public var pcb: UInt8 { kind.pcb }

    /// The information field.
    public var inf: [UInt8] { kind.inf }

    /// The encoded block: prologue, information field, LRC.
    /// - Precondition: the information field holds at most 254 bytes.
    public var bytes: [UInt8] {
        let field = inf
        precondition(field.count <= T1Block.maxInformationFieldSize, "a T=1 information field holds at most 254 bytes")
        var out: [UInt8] = []
        out.reserveCapacity(field.count + T1Block.overhead)
        out.append(nad)
        out.append(pcb)
        out.append(UInt8(field.count))
        out += field
        out.append(T1Block.lrc(out))
        return out
    }

    /// The longitudinal redundancy check: the exclusive-or of all `bytes` (§11.4.3).
    public static func lrc(_ bytes: some Sequence<UInt8>) -> UInt8 {
        var check: UInt8 = 0
        for byte in bytes { check ^= byte }
        return check
    }
}
