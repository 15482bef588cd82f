import UKey

/// An amount of money as an exact decimal: an integer count of thousandths, so limits and daily
/// totals are compared and added without binary floating point.
///
/// It reads the token's amount grammar, `(0|[1-9][0-9]{0,14})(\.[0-9]{1,3})?` (ARCHITECTURE.md,
/// "Transfer fields"), so every amount a card can sign fits; totals may grow past 15 integer
/// digits and are only limited by `Int64` (about 9.2 × 10^15 units). The text form drops
/// trailing zeros of the fraction: `"1234.5"`, `"100"`.
public struct DecimalAmount: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// The amount in thousandths of the currency unit: `"1234.56"` is 1,234,560.
    public let thousandths: Int64

    public static let zero = DecimalAmount(thousandths: 0)

    public init(thousandths: Int64) {
        self.thousandths = thousandths
    }

    /// Parses the token's amount grammar (zero allowed here: a limit or a total may be zero);
    /// `nil` for anything else, including signs, exponents, spaces and a 16th integer digit.
    public init?(_ text: some StringProtocol) {
        self.init(text, maxIntegerDigits: 15)
    }

    /// The same grammar with up to `maxIntegerDigits` integer digits, `nil` on `Int64` overflow:
    /// totals read back from the bank's state may exceed what one transfer can carry.
    init?(_ text: some StringProtocol, maxIntegerDigits: Int) {
        var value: Int64 = 0
        var integerDigits = 0, fractionDigits = 0
        var seenDot = false, leadingZero = false
        for unit in text.utf8 {
            if unit == UInt8(ascii: ".") {
                guard !seenDot, integerDigits > 0 else { return nil }
                seenDot = true
                continue
            }
            guard Self.isDigit(unit) else { return nil }
            if seenDot {
                fractionDigits += 1
                guard fractionDigits <= 3 else { return nil }
            } else {
                guard !leadingZero else { return nil }   // "01"
                if integerDigits == 0 && unit == UInt8(ascii: "0") { leadingZero = true }
                integerDigits += 1
                guard integerDigits <= maxIntegerDigits else { return nil }
            }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(Int64(unit - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            value = next
        }
        guard integerDigits > 0, !seenDot || fractionDigits > 0 else { return nil }
        for _ in fractionDigits..<3 {
            let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            value = times10
        }
        thousandths = value
    }

    /// The sum, or `nil` on `Int64` overflow (a total that large is over any limit).
    public func adding(_ other: DecimalAmount) -> DecimalAmount? {
        let (sum, overflow) = thousandths.addingReportingOverflow(other.thousandths)
        return overflow ? nil : DecimalAmount(thousandths: sum)
    }

    public static func < (lhs: DecimalAmount, rhs: DecimalAmount) -> Bool {
        lhs.thousandths < rhs.thousandths
    }

    /// `"1234.56"`: the integer part, then up to three fraction digits without trailing zeros.
    public var description: String {
        let sign = thousandths < 0 ? "-" : ""
        let magnitude = thousandths.magnitude
        var text = sign + String(magnitude / 1000)
        var fraction = magnitude % 1000
        guard fraction != 0 else { return text }
        var digits = 3
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let padded = String(fraction)
        text += "." + String(repeating: "0", count: digits - padded.count) + padded
        return text
    }

    /// Encoded as its text form, a JSON string, so no reader turns it into a float.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let amount = DecimalAmount(text, maxIntegerDigits: 16) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "\"\(text)\" is not a decimal amount"))
        }
        self = amount
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func isDigit(_ unit: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(unit)
    }
}
