/// Names and meanings of the status words defined by ISO/IEC 7816-4 §5.6 (tables 5 and 6), for
/// traces, `ukey` output and error messages.
///
/// One `switch`, no table keyed by strings: the compiler checks it and it builds for the token.
extension StatusWord: CustomStringConvertible {
    /// The specific name of this status word, e.g. "security status not satisfied" for 6982 or
    /// "verification failed, 2 tries left" for 63C2; for an SW2 that ISO/IEC 7816-4 does not
    /// define, the name of its SW1 group ("command not allowed").
    public var name: String { specificName ?? category }

    /// The SW1 group and the specific meaning, e.g. "command not allowed: security status not
    /// satisfied"; for an undefined SW2, the group and a note that ISO/IEC 7816-4 does not define it.
    public var meaning: String {
        guard let name = specificName else {
            return category + " (" + hexWord(rawValue) + " is not defined by ISO/IEC 7816-4)"
        }
        return name == category ? category : category + ": " + name
    }

    /// `6983 (authentication method blocked)`.
    public var description: String { hexWord(rawValue) + " (" + name + ")" }

    /// The group SW1 belongs to (ISO/IEC 7816-4 table 5); 7816-3 §10.3.3 allows only 6X (X ≠ 0) and 9X.
    var category: String {
        switch sw1 {
        case 0x90: return rawValue == 0x9000 ? "normal processing" : "proprietary"
        case 0x61: return "normal processing"
        case 0x62: return "warning, non-volatile memory unchanged"
        case 0x63: return "warning, non-volatile memory changed"
        case 0x64: return "execution error, non-volatile memory unchanged"
        case 0x65: return "execution error, non-volatile memory changed"
        case 0x66: return "security-related issue"
        case 0x67: return "wrong length"
        case 0x68: return "functions in CLA not supported"
        case 0x69: return "command not allowed"
        case 0x6A: return "wrong parameters P1-P2"
        case 0x6B: return "wrong parameters P1-P2"
        case 0x6C: return "wrong Le field"
        case 0x6D: return "instruction code not supported or invalid"
        case 0x6E: return "class not supported"
        case 0x6F: return "no precise diagnosis"
        case 0x91...0x9F: return "proprietary"
        default: return "invalid status word"
        }
    }

    /// The specific name, `nil` when ISO/IEC 7816-4 defines none for this SW1 SW2.
    private var specificName: String? {
        let count = Int(sw2)
        switch (sw1, sw2) {
        case (0x90, 0x00): return "normal processing"          // no further qualification
        case (0x61, 0x00): return "256 or more response bytes available (GET RESPONSE)"
        case (0x61, _): return "\(count) response bytes available (GET RESPONSE)"

        case (0x62, 0x00): return "no information given"
        case (0x62, 0x02...0x80): return "triggering by the card"
        case (0x62, 0x81): return "part of returned data may be corrupted"
        case (0x62, 0x82): return "end of file or record reached before reading Ne bytes"
        case (0x62, 0x83): return "selected file deactivated"
        case (0x62, 0x84): return "file control information not formatted according to 5.3.3"
        case (0x62, 0x85): return "selected file in termination state"
        case (0x62, 0x86): return "no input data available from a sensor on the card"

        case (0x63, 0x00): return "no information given"
        case (0x63, 0x81): return "file filled up by the last write"
        case (0x63, 0xC0...0xCF):
            let tries = Int(sw2 & 0x0F)
            return "verification failed, \(tries) " + (tries == 1 ? "try" : "tries") + " left"

        case (0x64, 0x00): return "execution error"
        case (0x64, 0x01): return "immediate response required by the card"
        case (0x64, 0x02...0x80): return "triggering by the card"

        case (0x65, 0x00): return "no information given"
        case (0x65, 0x81): return "memory failure"

        case (0x67, 0x00): return "wrong length"

        case (0x68, 0x00): return "no information given"
        case (0x68, 0x81): return "logical channel not supported"
        case (0x68, 0x82): return "secure messaging not supported"
        case (0x68, 0x83): return "last command of the chain expected"
        case (0x68, 0x84): return "command chaining not supported"

        case (0x69, 0x00): return "no information given"
        case (0x69, 0x81): return "command incompatible with file structure"
        case (0x69, 0x82): return "security status not satisfied"
        case (0x69, 0x83): return "authentication method blocked"
        case (0x69, 0x84): return "reference data not usable"
        case (0x69, 0x85): return "conditions of use not satisfied"
        case (0x69, 0x86): return "command not allowed (no current EF)"
        case (0x69, 0x87): return "expected secure messaging data objects missing"
        case (0x69, 0x88): return "incorrect secure messaging data objects"

        case (0x6A, 0x00): return "no information given"
        case (0x6A, 0x80): return "incorrect parameters in the command data field"
        case (0x6A, 0x81): return "function not supported"
        case (0x6A, 0x82): return "file or application not found"
        case (0x6A, 0x83): return "record not found"
        case (0x6A, 0x84): return "not enough memory space in the file"
        case (0x6A, 0x85): return "Nc inconsistent with TLV structure"
        case (0x6A, 0x86): return "incorrect parameters P1-P2"
        case (0x6A, 0x87): return "Nc inconsistent with parameters P1-P2"
        case (0x6A, 0x88): return "referenced data or reference data not found"
        case (0x6A, 0x89): return "file already exists"
        case (0x6A, 0x8A): return "DF name already exists"

        case (0x6B, 0x00): return "wrong parameters P1-P2"
        case (0x6C, _): return "wrong Le field, \(count == 0 ? 256 : count) bytes available"
        case (0x6D, 0x00): return "instruction code not supported or invalid"
        case (0x6E, 0x00): return "class not supported"
        case (0x6F, 0x00): return "no precise diagnosis"
        default: return nil
        }
    }
}
