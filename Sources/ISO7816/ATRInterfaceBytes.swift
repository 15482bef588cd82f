/// One group of interface bytes TAi TBi TCi TDi of an answer-to-reset (ISO/IEC 7816-3 §8.2.3).
///
/// Group 1 is announced by Y1 in T0, group i + 1 by Yi+1 in TDi; each byte is present only when
/// its bit of Y is set. The meaning of TAi, TBi and TCi for i ≥ 3 depends on the protocol type T
/// of TDi−1 (`qualifier`): T=1 gives IFSC, BWI/CWI and the error detection code; T=15 global bytes.
public struct ATRInterfaceBytes: Hashable, Sendable {
    /// i, from 1.
    public var index: Int
    /// The protocol type T in TDi−1, which the bytes of this group refer to; `nil` for group 1
    /// (global bytes).
    public var qualifier: UInt8?
    public var ta: UInt8?
    public var tb: UInt8?
    public var tc: UInt8?
    public var td: UInt8?

    public init(index: Int, qualifier: UInt8? = nil, ta: UInt8? = nil, tb: UInt8? = nil,
                tc: UInt8? = nil, td: UInt8? = nil) {
        self.index = index
        self.qualifier = qualifier
        self.ta = ta
        self.tb = tb
        self.tc = tc
        self.td = td
    }

    /// The protocol type T in the low nibble of TDi, `nil` without TDi.
    public var protocolType: UInt8? { td.map { $0 & 0x0F } }

    /// Yi+1, the high nibble of TDi: which of TAi+1…TDi+1 follow (bits 1–4); 0 without TDi.
    public var nextIndicator: UInt8 { (td ?? 0) >> 4 }
}
