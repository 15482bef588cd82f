import ISO7816

/// A string descriptor (USB 2.0 §9.6.7): bLength, bDescriptorType 03, then 16-bit
/// little-endian code units. String 0 holds the LANGIDs the device offers instead of text.
public struct USBStringDescriptor: Hashable, Sendable {
    /// The UTF-16 code units (the LANGIDs for string 0).
    public var codeUnits: [UInt16]

    public init(codeUnits: [UInt16]) {
        self.codeUnits = codeUnits
    }

    /// The text in UTF-16.
    public init(_ text: String) {
        codeUnits = Array(text.utf16)
    }

    /// String descriptor 0: the list of LANGIDs.
    public init(languageIDs: [UInt16]) {
        codeUnits = languageIDs
    }

    /// Parses the descriptor at the start of `bytes`: an even bLength of at least 2, within the bytes.
    public init(parsing bytes: some Collection<UInt8>) throws(USBError) {
        let body = try USBDescriptorHeader.body(bytes, type: USBDescriptorType.STRING, minimum: 2)
        guard body.count % 2 == 0 else { throw .badLength(bDescriptorType: USBDescriptorType.STRING, bLength: body[0]) }
        var r = ByteReader(body, at: 2)
        var units: [UInt16] = []
        while let unit = try? r.readLE16() { units.append(unit) }
        codeUnits = units
    }

    /// The text (ill-formed UTF-16 is repaired with U+FFFD).
    public var string: String { String(decoding: codeUnits, as: UTF16.self) }
    /// The LANGIDs of string descriptor 0.
    public var languageIDs: [UInt16] { codeUnits }

    /// The encoded descriptor; text longer than 126 code units is cut (bLength is one byte).
    public var bytes: [UInt8] {
        let units = codeUnits.prefix(126)
        var out: [UInt8] = [UInt8(2 + units.count * 2), USBDescriptorType.STRING]
        for unit in units { out.appendLE16(unit) }
        return out
    }
}
