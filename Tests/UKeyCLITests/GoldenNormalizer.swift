import Foundation

/// The few rewrites that make a `ukey` session's output comparable from run to run. Everything
/// they leave alone must match the golden file byte for byte, so the list stays short:
///
/// 1. each exact value in ``values`` → its placeholder, in order: the session's temporary
///    directory → `<TMP>`, the token's serial (16 hex digits, learned from `token info --json`)
///    → `<SERIAL>`, reader 1-4's index in pcscd's list (asked of pcscd) → `<INDEX>`;
/// 2. the body of a PEM block → `<PEM>` (the BEGIN and END lines stay; in JSON strings too,
///    where the line breaks are `\n`);
/// 3. an ISO 8601 date (`2026-11-23`, the bank's day) or UTC time (`2026-11-23T10:15:00Z`)
///    → `<DATE>`;
/// 4. a run of 64 or more hex digits (keys, signatures, digests, the bank's 32-byte challenges)
///    → `<HEX>`. Shorter hex (ATRs, status words, the fixed 16-byte login challenge) stays.
struct GoldenNormalizer: Sendable {
    /// Exact values and their placeholders, replaced first and in this order.
    var values: [(value: String, placeholder: String)] = []

    func normalize(_ text: String) -> String {
        var text = text
        for (value, placeholder) in values where !value.isEmpty {
            text = text.replacingOccurrences(of: value, with: placeholder)
        }
        text = text.replacing(#/(-----BEGIN [A-Z0-9 ]+-----)(\\n|\n)(?:[A-Za-z0-9+\/=]|\\n|\n)+?(-----END [A-Z0-9 ]+-----)/#) { match in
            "\(match.output.1)\(match.output.2)<PEM>\(match.output.2)\(match.output.3)"
        }
        text = text.replacing(#/\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)?/#, with: "<DATE>")
        text = text.replacing(#/[0-9A-Fa-f]{64,}/#, with: "<HEX>")
        return text
    }
}
