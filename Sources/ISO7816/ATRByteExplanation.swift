/// What one byte of an answer-to-reset means: the row `ukey atr` prints.
public struct ATRByteExplanation: Hashable, Sendable {
    /// Position in the ATR, TS being 0.
    public var offset: Int
    public var byte: UInt8
    /// Which byte it is (TS, T0, TA1, …).
    public var field: ATRField
    /// Its meaning in words, e.g. "direct convention", "T=1 offered, TD2 follows", "IFSC 32".
    public var meaning: String

    public init(offset: Int, byte: UInt8, field: ATRField, meaning: String) {
        self.offset = offset
        self.byte = byte
        self.field = field
        self.meaning = meaning
    }

    /// The spec's name for the byte: "TS", "TA1", "historical byte 2", "TCK".
    public var name: String { field.name }
}
