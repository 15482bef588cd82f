/// The name of one byte of an answer-to-reset, as ISO/IEC 7816-3 §8.2 spells it: TS, T0, the
/// interface bytes TAi TBi TCi TDi, the historical bytes and TCK.
///
/// `ATRError.truncated` uses it to say which byte was expected; `ATRByteExplanation` to say
/// which byte it explains.
public enum ATRField: Hashable, Sendable, CustomStringConvertible {
    /// The initial character: 3B direct convention, 3F inverse convention (§8.1).
    case ts
    /// The format byte: Y1 (TA1…TD1 present) and K (number of historical bytes) (§8.2.2).
    case t0
    /// Interface byte TAi, i ≥ 1 (§8.2.3).
    case ta(Int)
    /// Interface byte TBi, i ≥ 1.
    case tb(Int)
    /// Interface byte TCi, i ≥ 1.
    case tc(Int)
    /// Interface byte TDi, i ≥ 1: Yi+1 and a protocol type T.
    case td(Int)
    /// Historical byte number `n`, 1...K (T1…TK in §8.2.4; renamed so as not to read as a protocol).
    case historicalByte(Int)
    /// The check byte (§8.2.5).
    case tck

    /// "TS", "T0", "TA1", "TD2", "historical byte 3", "TCK".
    public var name: String {
        switch self {
        case .ts: return "TS"
        case .t0: return "T0"
        case .ta(let i): return "TA\(i)"
        case .tb(let i): return "TB\(i)"
        case .tc(let i): return "TC\(i)"
        case .td(let i): return "TD\(i)"
        case .historicalByte(let n): return "historical byte \(n)"
        case .tck: return "TCK"
        }
    }

    public var description: String { name }
}
