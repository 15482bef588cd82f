import ArgumentParser

/// What every command that talks to a token takes: the reader, the output format and the trace.
struct CommonOptions: ParsableArguments {
    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: "The reader: its full name, a part of it, or its index in `ukey readers` (default: the first reader holding a UKey token).")
    var reader: String?

    @Flag(help: "Print every hop (PC/SC calls, APDUs with PINs redacted, timings) to standard error.")
    var trace = false
}
