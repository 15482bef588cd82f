import Foundation
import PCSCTestSupport
import Testing

/// Every fuzz target's corpus — its seeds and each input that ever crashed it or broke an
/// invariant (kept there as regressions) — replayed through the target's plain build, so that
/// `swift test` catches what the fuzzer once found.
@Suite struct FuzzCorpusTests {
    static let targets = ["FuzzDriverReplies", "FuzzCommandAPDU", "FuzzTLV", "FuzzATR", "FuzzCCID", "FuzzUSBIP",
                          "FuzzVPCDFraming", "FuzzBankingApplet"]

    static let fuzzDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    @Test("the corpus replays without a crash or a broken invariant", arguments: targets)
    func replay(target: String) throws {
        let corpus = Self.fuzzDirectory.appendingPathComponent(String(target.dropFirst("Fuzz".count)))
            .appendingPathComponent("corpus")
        let inputs = try FileManager.default.contentsOfDirectory(atPath: corpus.path)
        #expect(inputs.count >= 6, "\(target) has a seed corpus")
        let output = try TestProcess.run([try Self.binary(target).path, corpus.path], timeout: 600)
        #expect(output.status == 0, "\(target) crashed or broke an invariant on its corpus:\n\(output)")
        #expect(output.stdout.contains("\(target): replayed \(inputs.count) inputs, no crash"), "\(output)")
    }

    @Test("the seeds the targets write are the corpus in the repository", arguments: targets.filter { $0 != "FuzzDriverReplies" })
    func seedsAreCheckedIn(target: String) throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ukey-seeds-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let output = try TestProcess.run([try Self.binary(target).path, "--seeds", scratch.path])
        #expect(output.status == 0, "\(output)")
        let corpus = Self.fuzzDirectory.appendingPathComponent(String(target.dropFirst("Fuzz".count)))
            .appendingPathComponent("corpus")
        for name in try FileManager.default.contentsOfDirectory(atPath: scratch.path) {
            let written = try Data(contentsOf: scratch.appendingPathComponent(name))
            let checkedIn = try? Data(contentsOf: corpus.appendingPathComponent(name))
            #expect(written == checkedIn, "\(target): seed \(name) differs from Fuzz/…/corpus/\(name); rerun make fuzz-seeds")
        }
    }

    /// The plain build of `target`, next to the test bundle.
    static func binary(_ target: String) throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        var candidates: [URL] = []
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent(target))
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(target))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw FuzzCorpusError("no \(target) binary next to the tests (swift build builds it)")
        }
        return found
    }
}

struct FuzzCorpusError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
