import ArgumentParser
import Foundation
import UKeyArguments
import UKeyBank

/// `ukey-bank verify --bank DIR [--database URL] SIGNED.json`: as `ukey transfer verify`; exit
/// status 0 when accepted, 4 when rejected (the reason is printed).
struct BankVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a signed transfer: accepted, or rejected with the reason (exit status 4).",
        discussion: "Example: ukey-bank verify --bank bank signed.json")

    @Argument(help: "The signed transfer (JSON from `ukey transfer sign`; `-` for standard input).", transform: AbsolutePath.file)
    var file: String

    @OptionGroup var bank: BankOptions

    @Flag(help: "Check without recording anything (the challenge stays unused).")
    var dryRun = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() async throws {
        let verifier = try bank.verifier()
        let bytes = Array(try BankFiles.read(file))
        let verdict = dryRun ? try verifier.check(json: bytes) : try verifier.verify(json: bytes)
        print(json ? try BankFiles.json(verdict) : verdict.description)
        if !verdict.isAccepted { throw ExitCode(4) }
    }
}
