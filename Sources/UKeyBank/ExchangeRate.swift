import UKey

/// How many units of the bank's base currency one unit of a currency is worth, as an exact
/// decimal: `units` × 10^−`scale`, written `"7.1"`, `"0.0048"`, `"1"`. Conversions multiply in
/// `UInt128` and round up to the base currency's minor unit, never through floating point.
///
/// Grammar: `(0|[1-9][0-9]{0,8})(\.[0-9]{1,9})?`, above zero — so `units` < 10^18 and an
/// amount's thousandths (< 2^63) times `units` fits in `UInt128`.
public struct ExchangeRate: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The digits without the point: `"7.1"` is 71.
    public let units: UInt64
    /// The number of fraction digits: `"7.1"` is 1.
    public let scale: Int
    /// The text the rate was written as.
    public let description: String

    /// The rate 1 (the base currency's own).
    public static let one = ExchangeRate("1")!

    /// Parses the grammar above; `nil` for anything else, including zero.
    public init?(_ text: String) {
        var units: UInt64 = 0
        var integerDigits = 0, fractionDigits = 0
        var seenDot = false
        for unit in text.utf8 {
            if unit == UInt8(ascii: ".") {
                guard !seenDot, integerDigits > 0 else { return nil }
                seenDot = true
                continue
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(unit) else { return nil }
            if seenDot {
                fractionDigits += 1
                guard fractionDigits <= 9 else { return nil }
            } else {
                guard integerDigits == 0 || units != 0 else { return nil }   // "01"
                integerDigits += 1
                guard integerDigits <= 9 else { return nil }
            }
            units = units * 10 + UInt64(unit - UInt8(ascii: "0"))
        }
        guard integerDigits > 0, !seenDot || fractionDigits > 0, units > 0 else { return nil }
        self.units = units
        scale = fractionDigits
        description = text
    }

    /// Whether the rate is exactly 1 (`"1"`, `"1.0"`, …).
    public var isOne: Bool {
        var power: UInt64 = 1
        for _ in 0..<scale { power *= 10 }
        return units == power
    }

    /// `amount` converted to the base currency, rounded up to a multiple of 10^−`minorDigits`
    /// (the base currency's minor unit, `minorDigits` 0…3); `nil` when the result does not fit a
    /// ``DecimalAmount`` (no limit allows that much).
    public func convert(_ amount: DecimalAmount, toMinorDigits minorDigits: Int) -> DecimalAmount? {
        guard amount.thousandths >= 0, (0...3).contains(minorDigits) else { return nil }
        // thousandths × units / 10^scale is the base amount in thousandths; rounding up to the
        // base's minor unit divides by 10^(3 − minorDigits) too, in the same ceiling division.
        var divisor: UInt128 = 1
        for _ in 0..<(scale + 3 - minorDigits) { divisor *= 10 }
        let product = UInt128(amount.thousandths) * UInt128(units)
        let minorUnits = product / divisor + (product % divisor == 0 ? 0 : 1)
        var step: UInt128 = 1
        for _ in 0..<(3 - minorDigits) { step *= 10 }
        let (thousandths, overflow) = minorUnits.multipliedReportingOverflow(by: step)
        guard !overflow, thousandths <= UInt128(Int64.max) else { return nil }
        return DecimalAmount(thousandths: Int64(thousandths))
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let rate = ExchangeRate(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "\"\(text)\" is not a rate above zero ((0|[1-9][0-9]{0,8})(.[0-9]{1,9})?)"))
        }
        self = rate
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
