import ArgumentParser
import UKeyEmulator

// `--vpcd` takes an optional value: a bare one is expanded before ArgumentParser sees it. The
// arguments are then parsed and run here, as `AsyncParsableCommand.main()` would: given
// arguments, `main(_:)` resolves to the synchronous `ParsableCommand` overload.
let arguments = EmulatorCommandLine.expandingOptionalValues(Array(CommandLine.arguments.dropFirst()))
do {
    var command = try UKeyCommand.parseAsRoot(arguments)
    if var asynchronous = command as? any AsyncParsableCommand {
        try await runAsynchronously(&asynchronous)
    } else {
        try command.run()
    }
} catch {
    UKeyCommand.exit(withError: error)
}

/// Calls the `async` `run()`: on the existential, Swift 6.3 picks `ParsableCommand`'s
/// synchronous requirement (whose default prints the help).
func runAsynchronously<Command: AsyncParsableCommand>(_ command: inout Command) async throws {
    try await command.run()
}
