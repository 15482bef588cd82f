import ArgumentParser

/// The options every control verb takes: which emulator (by state directory), which token,
/// and the output format.
struct EmulatorControlOptions: ParsableArguments {
    @Option(name: .customLong("state"), help: "The emulator's state directory (default ${XDG_STATE_HOME:-~/.local/state}/ukey).")
    var stateDirectory: String?

    @Option(help: "The token: a bus id (1-1) or a serial; needed when the emulator has several.")
    var token: String?

    @Flag(help: "Print JSON (one object per line).")
    var json = false

    /// A request with `op` and, if given, `token`.
    func request(_ op: String) -> [String: Any] {
        var request: [String: Any] = ["op": op]
        if let token { request["token"] = token }
        return request
    }
}
