import Synchronization

/// The ratios the report's summary repeats (`bench/REPORT.md`, "Headline ratios"): each section
/// adds its main comparisons as it prints them, and ukey-bench prints the table last.
enum Headlines {
    private static let rows = Mutex<[String]>([])

    /// One row: what was measured, the ratio (formatted, e.g. `0.93×`), the reference it is
    /// relative to, and the aim with ✓ / ✗ when there is one.
    static func add(_ measurement: String, ratio: Double, reference: String, aim: (text: String, met: Bool)? = nil) {
        let aimText = aim.map { "\($0.text) \($0.met ? "✓" : "✗")" } ?? ""
        let row = "| \(measurement) | \(Measure.format(ratio, 2))× | \(reference) | \(aimText) |"
        rows.withLock { $0.append(row) }
    }

    /// The table under `## Headline ratios`, or nothing when no section ran.
    static func printTable() {
        let all = rows.withLock { $0 }
        guard !all.isEmpty else { return }
        print("")
        print("## Headline ratios")
        print("")
        print("| measurement | ratio | relative to (same run) | aim |")
        print("|---|---:|---|---|")
        all.forEach { print($0) }
    }
}
