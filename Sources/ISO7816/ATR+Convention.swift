extension ATR {
    /// The coding convention TS announces (ISO/IEC 7816-3 §8.1).
    public enum Convention: Hashable, Sendable {
        /// TS = 3B: state H is 1, least significant bit first.
        case direct
        /// TS = 3F: state L is 1, most significant bit first. The bytes of `ATR` are the decoded values.
        case inverse
    }
}
