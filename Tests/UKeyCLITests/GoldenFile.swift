import Foundation

/// A golden file under `Tests/UKeyCLITests/Golden/`: the expected, normalized record of one
/// command (``CLISession/Step/record``). Read from the source tree (so an edit counts without
/// a rebuild), else from the test bundle's copy (the `Golden` resource); with
/// `UKEY_UPDATE_GOLDEN=1` the test writes what it saw into the source tree instead of comparing.
struct GoldenFile {
    let name: String

    /// Whether this run rewrites the golden files (`UKEY_UPDATE_GOLDEN=1`).
    static var isUpdating: Bool { ProcessInfo.processInfo.environment["UKEY_UPDATE_GOLDEN"] == "1" }

    /// The source tree's `Golden` folder, where updates go.
    static let sourceDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    var sourceURL: URL { Self.sourceDirectory.appendingPathComponent(name + ".txt") }

    /// The expected text, or `nil` when there is no such file.
    func expected() -> String? {
        let bundled = Bundle.module.url(forResource: "Golden", withExtension: nil)?.appendingPathComponent(name + ".txt")
        for url in [sourceURL, bundled].compactMap({ $0 }) {
            if let text = try? String(contentsOf: url, encoding: .utf8) { return text }
        }
        return nil
    }

    func update(_ actual: String) throws {
        try FileManager.default.createDirectory(at: Self.sourceDirectory, withIntermediateDirectories: true)
        try actual.write(to: sourceURL, atomically: true, encoding: .utf8)
    }

    /// `nil` when `actual` is the golden text, else what differs: the first differing line of
    /// each, then the whole actual text, for the test log.
    func mismatch(_ actual: String) -> String? {
        guard let expected = expected() else {
            return "no golden file \(name).txt; run with UKEY_UPDATE_GOLDEN=1 to create it. Actual:\n\(actual)"
        }
        return Self.difference(expected: expected, actual: actual).map {
            "\(name).txt differs (UKEY_UPDATE_GOLDEN=1 rewrites it if the change is intended): \($0)\nactual:\n\(actual)"
        }
    }

    /// The first line where `actual` departs from `expected`, or `nil` if they are equal.
    static func difference(expected: String, actual: String) -> String? {
        guard expected != actual else { return nil }
        let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let got = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(want.count, got.count) {
            let wanted = index < want.count ? String(want[index]) : "<end of file>"
            let seen = index < got.count ? String(got[index]) : "<end of file>"
            if wanted != seen { return "line \(index + 1): expected \"\(wanted)\", got \"\(seen)\"" }
        }
        return "the texts differ in a way lines do not show"
    }
}
