import ISO7816
import Testing

/// The bytes of a hex literal in a test table; a typo in a table fails the test that uses it.
func hex(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
    try #require([UInt8](hex: text), "test vector is valid hex: \(text)", sourceLocation: sourceLocation)
}

/// `count` bytes 00, 01, 02, … (wrapping), for long data fields.
func counting(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0) }
}

/// Swift Testing also exports a `Tag` (test tags): in this module `Tag` is the BER tag.
typealias Tag = ISO7816.Tag
