/// The meaning of each historical byte of an ATR (ISO/IEC 7816-4 §8.1.1): a category indicator,
/// then, for categories 00 and 80, compact-TLV data objects (one byte: tag in the high nibble,
/// length in the low one), with a three-byte status indicator at the end for category 00.
///
/// Explaining never fails: bytes that do not follow the format are called what they are.
enum HistoricalBytesExplanation {
    /// One meaning per byte of `bytes`.
    static func meanings(of bytes: [UInt8]) -> [String] {
        guard let category = bytes.first else { return [] }
        var meanings: [String] = []
        switch category {
        case 0x00:
            meanings.append("category indicator 00: compact-TLV data objects, then a status indicator")
            let statusStart = max(1, bytes.count - 3)
            meanings += compactTLV(Array(bytes[1..<statusStart]))
            let statusNames = ["status indicator: life cycle status (LCS)", "status indicator: SW1",
                               "status indicator: SW2"]
            let statusCount = bytes.count - statusStart
            for n in 0..<statusCount { meanings.append(statusNames[3 - statusCount + n]) }
        case 0x10:
            meanings.append("category indicator 10: DIR data reference follows")
            for _ in 1..<bytes.count { meanings.append("DIR data reference") }
        case 0x80:
            meanings.append("category indicator 80: compact-TLV data objects follow")
            meanings += compactTLV(Array(bytes[1...]))
        case 0x81...0x8F:
            meanings.append("category indicator " + hexByte(category) + " (RFU)")
            for _ in 1..<bytes.count { meanings.append("historical byte (RFU format)") }
        default:
            meanings.append("category indicator " + hexByte(category) + ": proprietary format")
            for _ in 1..<bytes.count { meanings.append("historical byte (proprietary)") }
        }
        return meanings
    }

    /// Meanings for a run of compact-TLV objects; bytes past an object that overruns are marked.
    private static func compactTLV(_ bytes: [UInt8]) -> [String] {
        var meanings: [String] = []
        var index = 0
        while index < bytes.count {
            let tag = bytes[index] >> 4
            let length = Int(bytes[index] & 0x0F)
            guard index + 1 + length <= bytes.count else {
                for _ in index..<bytes.count { meanings.append("historical byte (malformed compact-TLV)") }
                return meanings
            }
            let name = objectName(tag)
            meanings.append("compact-TLV tag " + hexDigit(tag) + " (" + name + "), length \(length)")
            for n in 0..<length { meanings.append(name + ", byte \(n + 1) of \(length)") }
            index += 1 + length
        }
        return meanings
    }

    /// The compact-TLV tags of ISO/IEC 7816-4 §8.1.1.2.
    private static func objectName(_ tag: UInt8) -> String {
        switch tag {
        case 0x1: return "country code"
        case 0x2: return "issuer identification number"
        case 0x3: return "card service data"
        case 0x4: return "initial access data"
        case 0x5: return "card issuer's data"
        case 0x6: return "pre-issuing data"
        case 0x7: return "card capabilities"
        case 0x8: return "status indicator"
        case 0xF: return "application identifier"
        default: return "RFU"
        }
    }
}
