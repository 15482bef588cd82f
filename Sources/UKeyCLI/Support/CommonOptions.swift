import ArgumentParser

/// What every command that talks to a token takes: the reader, the output format and the trace.
struct CommonOptions: ParsableArguments {
    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: "The reader: its full name, a part of it, or its index in `ukey readers` (default: the first reader holding a UKey token).")
    var reader: String?

    @Flag(help: "Print every hop (PC/SC calls, APDUs with PINs redacted, timings) to standard error.")
    var trace = false

    @Option(name: .customLong("wait"), help: ArgumentHelp("Wait up to SECONDS for a token (apdu, atr: a card) to be inserted when none is there (as opensc-tool -w).", valueName: "seconds"))
    var waitSeconds: Double?

    func validate() throws {
        if let waitSeconds, !(0...86_400).contains(waitSeconds) {
            throw ValidationError("--wait must be 0…86400 seconds")
        }
    }
}
