import Foundation
import PCSC
import PCSCTestSupport
import Testing

/// The `ukey` command line on token 1-4 of the shared ``PCSCTestStack`` (its own token, so it
/// runs beside the other suites). Serialized: the golden session personalizes the token step by
/// step, and the watch test takes its card out.
@Suite("ukey on token 1-4 through pcscd and the UKey driver", .serialized, .enabled(if: PCSCTestStack.available))
struct CLIOnTokenTests {
    static var scripts: URL {
        Bundle.module.url(forResource: "Scripts", withExtension: nil)
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts")
    }

    @Test("a whole session (readers → personalize → sign → transfer → script) prints exactly its golden files, text and --json")
    func goldenSession() async throws {
        let stack = try await PCSCTestStack.shared()
        let session = try CLISession(stack: stack)
        defer { session.remove() }
        try await PCSCTestStack.blocking {
            try session.runScenario(script: Self.scripts.appendingPathComponent("check.ukey"),
                                    mismatchScript: Self.scripts.appendingPathComponent("mismatch.ukey"))
        }
        let steps = session.steps
        let info = try #require(steps.first { $0.name == "token-info-factory-json" }, "the session read the token info")
        let serial = try #require(Self.serial(inTokenInfo: info.output.stdout), "token info --json has the serial: \(info.output)")
        // pcscd lists its readers, and numbers the readers of one driver ("UKey 1-4 NN 00"), in the
        // order it read its configuration directory (readdir): both are normalized.
        let readerNames = try await PCSCTestStack.blocking {
            let context = try PCSCContext()
            defer { context.release() }
            return try context.readers()
        }
        let index = try #require(readerNames.firstIndex(of: stack.reader(CLISession.busid)), "pcscd lists reader 1-4: \(readerNames)")
        Self.compare(steps, with: GoldenNormalizer(values: [(session.directory, "<TMP>"), (serial, "<SERIAL>"),
                                                             ("\(index): UKey 1-4", "<INDEX>: UKey 1-4"),
                                                             ("\"index\" : \(index),", "\"index\" : <INDEX>,"),
                                                             (stack.reader(CLISession.busid), "UKey 1-4 <NN> 00")]),
                     update: GoldenFile.isUpdating)
        let names = Set(steps.map(\.name))
        let stale = try FileManager.default.contentsOfDirectory(atPath: GoldenFile.sourceDirectory.path)
            .filter { $0.hasSuffix(".txt") && !names.contains(String($0.dropLast(4))) }
        #expect(stale.isEmpty, "golden files no step writes (remove them): \(stale)")

        // What the golden files cannot show on their own.
        // (Help is static text; its examples show the demo's PINs.)
        for secret in CLISession.secrets {
            for step in steps where !step.name.hasPrefix("help") && Self.reveals(step.output.combined, secret) {
                Issue.record("step \(step.name) printed a PIN or PUK (or its hex)")
            }
        }
        let trace = try #require(steps.first { $0.name == "sign-trace" })
        let traceLines = trace.output.stderr.split(separator: "\n")
        #expect(!traceLines.isEmpty && traceLines.allSatisfy { $0.hasPrefix("trace ") }, "--trace writes trace lines: \(trace.output)")
        #expect(trace.output.stderr.contains("VERIFY") && trace.output.stderr.contains("••••"),
                "the trace shows the VERIFY with its data redacted: \(trace.output.stderr)")
        #expect(trace.output.stdout == steps.first { $0.name == "sign" }?.output.stdout,
                "--trace changes standard error only (RSA PKCS#1 v1.5 signs the same digest alike)")
        for name in ["transfer-sign", "transfer-sign-json"] {
            #expect(steps.first { $0.name == name }?.output.status == 0, "\(name) was confirmed by pressing OK")
        }
    }

    @Test("the same session through a T=0 card behind a TPDU reader (--exchange tpdu-t0, our driver) prints the same golden files but for the ATR")
    func goldenSessionOverT0() async throws {
        let stack = try await PCSCTestStack.started(exchange: "tpdu-t0")
        defer { stack.stop() }
        #expect(stack.cardATR == [UInt8](hexATR: "3B9B13400A80F9A00000030800001000"), "the T=0 card's ATR")
        let session = try CLISession(stack: stack)
        defer { session.remove() }
        try await PCSCTestStack.blocking {
            try session.runScenario(script: Self.scripts.appendingPathComponent("check.ukey"),
                                    mismatchScript: Self.scripts.appendingPathComponent("mismatch.ukey"))
        }
        let steps = session.steps
        let info = try #require(steps.first { $0.name == "token-info-factory-json" }, "the session read the token info")
        let serial = try #require(Self.serial(inTokenInfo: info.output.stdout), "token info --json has the serial: \(info.output)")
        let readers = try #require(steps.first { $0.name == "readers-json" })
        let list = try JSONSerialization.jsonObject(with: Data(readers.output.stdout.utf8)) as? [[String: Any]]
        let index = try #require(list?.first?["index"] as? Int, "readers --json: \(readers.output)")
        Self.compare(steps, with: GoldenNormalizer(values: [(session.directory, "<TMP>"), (serial, "<SERIAL>"),
                                                            ("\(index): UKey 1-4", "<INDEX>: UKey 1-4"),
                                                            ("\"index\" : \(index),", "\"index\" : <INDEX>,"),
                                                            (stack.reader(CLISession.busid), "UKey 1-4 <NN> 00"),
                                                            ("3B9B13400A80F9A00000030800001000", "3B8B800180F9A00000030800001000C8")]
                                                   + Self.t0Select),
                     update: false)
        let apdu = try #require(steps.first { $0.name == "apdu" })
        #expect(apdu.output.stdout.contains("< 611A "), "ukey apdu shows the T=0 card's own answer to a SELECT without Le: \(apdu.output)")
        for name in ["transfer-sign", "transfer-sign-json", "keygen-json"] {
            #expect(steps.first { $0.name == name }?.output.status == 0, "\(name) was confirmed by pressing OK over T=0")
        }
    }

    /// The one answer that differs at T=0, on purpose: `ukey apdu` sends SELECT without Le (case 3)
    /// and prints the card's answer as it is; a T=0 card cannot send data back with an incoming
    /// TPDU, so it announces the FCI with 611A (docs/ARCHITECTURE.md "TPDU level and T=0, the
    /// card's side"). Rewritten to the APDU-level answer, so that everything else is compared.
    static var t0Select: [(String, String)] {
        let fci = "6F188406F0554B455901A50EC008<SERIAL>C1020200"
        return [("< 611A  normal processing: 26 response bytes available (GET RESPONSE)", "< \(fci) 9000  normal processing"),
                ("\"meaning\" : \"normal processing: 26 response bytes available (GET RESPONSE)\",\n    \"response\" : \"\",\n    \"sw\" : \"611A\"",
                 "\"meaning\" : \"normal processing\",\n    \"response\" : \"\(fci)\",\n    \"sw\" : \"9000\"")]
    }

    /// Each step's record against its golden file (or written to it when `update`).
    static func compare(_ steps: [CLISession.Step], with normalizer: GoldenNormalizer, update: Bool) {
        for step in steps {
            let record = normalizer.normalize(step.record)
            let golden = GoldenFile(name: step.name)
            if update {
                do { try golden.update(record) } catch { Issue.record("\(step.name): \(error)") }
            } else if let mismatch = golden.mismatch(record) {
                Issue.record("\(mismatch)")
            }
        }
    }

    /// `info.serial` of `ukey token info --json`.
    static func serial(inTokenInfo json: String) -> String? {
        let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return (object?["info"] as? [String: Any])?["serial"] as? String
    }

    /// Whether `text` holds `secret` as itself (not inside a longer run of hex digits, where a
    /// PIN's digits can occur by chance) or as the hex of its ASCII, plain, spaced or with colons.
    static func reveals(_ text: String, _ secret: String) -> Bool {
        let hex = secret.utf8.map { String(format: "%02X", $0) }
        let upper = text.uppercased()
        if [hex.joined(), hex.joined(separator: " "), hex.joined(separator: ":")].contains(where: { upper.contains($0) }) {
            return true
        }
        var rest = Substring(text)
        while let range = rest.range(of: secret) {
            let before = range.lowerBound > rest.startIndex ? rest[rest.index(before: range.lowerBound)] : " "
            let after = range.upperBound < rest.endIndex ? rest[range.upperBound] : " "
            if !before.isHexDigit && !after.isHexDigit { return true }
            rest = rest[rest.index(after: range.lowerBound)...]
        }
        return false
    }
}
