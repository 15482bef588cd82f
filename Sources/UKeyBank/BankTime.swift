import UKey
import Foundation

/// How the bank writes times: whole seconds of UTC, as ISO 8601 text in JSON
/// (`2026-11-23T10:15:00Z`), and UTC calendar days (`2026-11-23`) for daily limits.
///
/// Whole seconds keep a time equal to itself after a trip through `state.json`.
enum BankTime {
    /// `date` rounded down to a whole second.
    static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    /// `2026-11-23T10:15:00Z`.
    static func string(_ date: Date) -> String {
        let parts = utc(date)
        return day(parts) + "T" + digits(parts.tm_hour, 2) + ":" + digits(parts.tm_min, 2) + ":" + digits(parts.tm_sec, 2) + "Z"
    }

    /// Parses the form ``string(_:)`` writes, `YYYY-MM-DDTHH:MM:SSZ`, and nothing else.
    static func date(_ text: String) -> Date? {
        let utf8 = Array(text.utf8)
        guard utf8.count == 20 else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var value: Int32 = 0
            for unit in utf8[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(unit) else { return nil }
                value = value * 10 + Int32(unit - UInt8(ascii: "0"))
            }
            return value
        }
        let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, "Z")]
        guard separators.allSatisfy({ utf8[$0.0] == $0.1.asciiValue }),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        let date = Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
        return string(date) == text ? date : nil   // refuses 31 February and the like
    }

    /// The UTC calendar day of `date`: `2026-11-23`. Daily limits count per UTC day.
    static func day(_ date: Date) -> String {
        day(utc(date))
    }

    private static func day(_ parts: tm) -> String {
        digits(parts.tm_year + 1900, 4) + "-" + digits(parts.tm_mon + 1, 2) + "-" + digits(parts.tm_mday, 2)
    }

    /// `value` in decimal, zero-padded to `width` (without `String(format:)`, which is slow here).
    private static func digits(_ value: Int32, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    private static func utc(_ date: Date) -> tm {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return parts
    }

    /// Decodes a date written by ``string(_:)`` from a keyed container.
    static func decode<K: CodingKey>(_ container: KeyedDecodingContainer<K>, _ key: K) throws -> Date {
        let text = try container.decode(String.self, forKey: key)
        guard let date = date(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "\"\(text)\" is not YYYY-MM-DDTHH:MM:SSZ")
        }
        return date
    }

    static func decodeIfPresent<K: CodingKey>(_ container: KeyedDecodingContainer<K>, _ key: K) throws -> Date? {
        try container.contains(key) && !container.decodeNil(forKey: key) ? decode(container, key) : nil
    }
}
