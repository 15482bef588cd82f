import Foundation
import PCSCTestSupport
import Testing

/// Issue 20: README's worked CI example runs as written — `docs/examples/ci-faults.sh` against
/// the built `ukey`, and README's copies of the script and the workflow are the files.
@Suite(.serialized, .tags(.process))
struct CIExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func text(_ path: String) throws -> String { try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8) }

    @Test("README shows docs/examples/ci-faults.sh and github-actions.yml verbatim")
    func readmeCopies() throws {
        let readme = try Self.text("README.md")
        #expect(readme.contains("```sh\n" + (try Self.text("docs/examples/ci-faults.sh")) + "```"))
        #expect(readme.contains("```yaml\n" + (try Self.text("docs/examples/github-actions.yml")) + "```"))
    }

    @Test("docs/examples/ci-faults.sh passes: the fault is seen, the retry works, the capture is kept",
          .enabled(if: FaultStack.available, "needs pcscd and the built ukey and driver"))
    func scriptRuns() async throws {
        try await PCSCTestStack.blocking {
            let artifacts = try TemporaryDirectory()
            defer { artifacts.remove() }
            let binary = try EmulatorProcess.binary().path
            var environment = ProcessInfo.processInfo.environment
            environment["UKEY"] = binary
            environment["ARTIFACTS"] = artifacts.path
            environment["PATH"] = (environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"
            let out = try TestProcess.run(["/bin/sh", Self.root.appendingPathComponent("docs/examples/ci-faults.sh").path],
                                          environment: environment, timeout: 180)
            #expect(out.status == 0, "\(out)")
            let faults = (try? String(contentsOfFile: artifacts.file("faults.txt"), encoding: .utf8)) ?? ""
            #expect(faults.contains("fired 1"), "\(faults)")
            let capture = (try? Data(contentsOf: URL(fileURLWithPath: artifacts.file("token.pcap")))) ?? Data()
            #expect(capture.count > 1_000, "the capture holds the session")
        }
    }
}
