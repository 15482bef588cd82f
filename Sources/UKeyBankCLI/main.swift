import ArgumentParser

// `ukey-bank`: the bank side as its own program, so the `ukey` CLI never links the server stack.
// Parsed and run as `AsyncParsableCommand.main()` would: on the existential, Swift 6.3 picks
// `ParsableCommand`'s synchronous `run()` (as in Sources/UKeyCLI/main.swift).
do {
    var command = try UKeyBankCommand.parseAsRoot(Array(CommandLine.arguments.dropFirst()))
    if var asynchronous = command as? any AsyncParsableCommand {
        try await runAsynchronously(&asynchronous)
    } else {
        try command.run()
    }
} catch {
    UKeyBankCommand.exit(withError: error)
}

func runAsynchronously<Command: AsyncParsableCommand>(_ command: inout Command) async throws {
    try await command.run()
}
