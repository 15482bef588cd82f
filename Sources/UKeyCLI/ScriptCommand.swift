import UKeyArguments
import UKeyTestCA
import ArgumentParser
import Foundation
import ISO7816
import UKey

/// `ukey script FILE`: runs an APDU transcript (docs/ARCHITECTURE.md, "APDU transcripts")
/// against the card; exit status 3 at the first response that does not match.
struct ScriptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "script",
        abstract: "Run an APDU script with expected responses; non-zero exit on a mismatch.",
        discussion: """
            Format: "> HEX" a command; "< HEX SW" the expected response ("..", "*" wildcards); \
            "=name" captures; "${name}" substitutes a capture or an environment variable; "!step ARGS" \
            calls a step (certify, verify-digest, verify-transfer, tlv, sha256); "#" comments. \
            Secrets come from the environment (${PIN}), never from the script.

            Examples:
              PIN=24681357 ukey script personalize.ukey --ca bank
              ukey script check.ukey --reader 0 --json
            """)

    @Argument(help: "The script file (`-` for standard input).")
    var file: String

    @Option(help: "The CA for !certify (a directory from `ukey ca init`); default: a throwaway CA.", transform: AbsolutePath.file)
    var ca: String?

    @OptionGroup var options: CommonOptions

    struct Result: Encodable {
        struct Line: Encodable {
            let line: Int
            let command: String
            let response: String
            let sw: String
        }
        let passed: Bool
        let exchanges: [Line]
        let failure: String?
    }

    mutating func run() async throws {
        var passed = false
        try await Output.run(json: options.json) {
            let text: String
            do {
                let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
                text = String(decoding: data, as: UTF8.self)
            } catch {
                throw CLIError("noFile", "cannot read \(file): \(ErrorText.describe(error))")
            }
            let transcript = try Transcript(parsing: text)
            let authority = try ca.map { try TestCertificateAuthority(directory: URL(fileURLWithPath: $0)) } ?? TestCertificateAuthority()
            let access = try ReaderAccess(options: options)
            let target = try await access.anyCard()
            defer { target.card.close() }
            let lines = ExchangeLog(print: !options.json)
            let runner = TranscriptRunner(channel: target.channel, steps: TranscriptSteps.standard(ca: authority),
                                          environment: ProcessInfo.processInfo.environment, trace: { lines.append($0) })
            var failure: TranscriptFailure? = nil
            do {
                _ = try await target.channel.transaction { () async throws(TranscriptFailure) in
                    try await runner.run(transcript)
                }
                passed = true
            } catch let error as TranscriptFailure {
                failure = error
            }
            let result = Result(passed: passed, exchanges: lines.all, failure: failure?.description)
            try Output.emit(result, json: options.json) { result in
                result.passed ? "passed: \(result.exchanges.count) exchanges" : "FAILED: \(result.failure ?? "")"
            }
        }
        if !passed { throw ExitCode(3) }
    }
}

/// The exchanges of a script run as they happen (printed at once unless JSON is wanted).
final class ExchangeLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [ScriptCommand.Result.Line] = []
    private let shouldPrint: Bool

    init(print: Bool) { shouldPrint = print }

    func append(_ exchange: TranscriptExchange) {
        let line = ScriptCommand.Result.Line(line: exchange.line, command: exchange.command,
                                             response: exchange.responseDataText,
                                             sw: hexWord(exchange.response.statusWord.rawValue))
        lock.withLock { lines.append(line) }
        if shouldPrint {
            print("\(String(exchange.line).leftPadded(4)) > \(line.command)\n     < \(line.response.isEmpty ? "" : line.response + " ")\(line.sw)")
        }
    }

    var all: [ScriptCommand.Result.Line] { lock.withLock { lines } }
}
