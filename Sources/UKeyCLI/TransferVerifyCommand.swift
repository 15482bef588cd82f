import UKeyArguments
import UKeyBank
import ArgumentParser
import Foundation
import UKey

/// `ukey transfer verify --bank DIR SIGNED.json`: the bank's verdict; exit status 0 when
/// accepted, 4 when rejected (the reason is printed).
struct TransferVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a signed transfer as the bank: accepted, or rejected with the reason (exit status 4).",
        discussion: "Example: ukey transfer verify --bank bank signed.json")

    @Argument(help: "The signed transfer (JSON from `ukey transfer sign`; `-` for standard input).")
    var file: String

    @Option(help: "The bank's directory (ca-cert.pem, policy.json, bank.sqlite).", transform: AbsolutePath.file)
    var bank: String

    @Flag(help: "Check without recording anything (the challenge stays unused).")
    var dryRun = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    mutating func run() async throws {
        var accepted = false
        try await Output.run(json: json) {
            let verifier = try TransferVerifier(directory: URL(fileURLWithPath: bank))
            let bytes = Array(try Files.read(file))
            let verdict = dryRun ? try verifier.check(json: bytes) : try verifier.verify(json: bytes)
            accepted = verdict.isAccepted
            try Output.emit(verdict, json: json) { $0.description }
        }
        if !accepted { throw ExitCode(4) }
    }
}
