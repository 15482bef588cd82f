import ArgumentParser
import UKeyArguments
import UKeyControl
import UKeyEmulator

// `ukey emulator status | press | insert | remove | events`: the control verbs. Each sends one
// ``ControlRequest`` to a running emulator's control socket and prints the reply.

/// The options every control verb takes: which emulator (by state directory), which token,
/// and the output format.
struct EmulatorControlOptions: ParsableArguments {
    @Option(name: .customLong("state"), help: "The emulator's state directory (default ${XDG_STATE_HOME:-~/.local/state}/ukey).", transform: AbsolutePath.file)
    var stateDirectory: String?

    @Option(help: "The token: a bus id (1-1) or a serial; needed when the emulator has several.")
    var token: String?

    @Flag(help: "Print JSON (one object per line).")
    var json = false

    /// Sends `request` and exits with the command line's status.
    func run(_ request: ControlRequest) throws {
        throw ExitCode(EmulatorCommandLine.control(request, stateDirectory: stateDirectory, json: json))
    }
}

/// `ukey emulator status`: listeners and tokens of a running emulator.
struct EmulatorStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a running emulator's listeners and tokens.")

    @OptionGroup var options: EmulatorControlOptions

    func run() throws {
        throw ExitCode(EmulatorCommandLine.status(stateDirectory: options.stateDirectory, token: options.token, json: options.json))
    }
}

/// `ukey emulator press ok|cancel [--once]`: a button on a token that waits for its holder.
struct EmulatorPressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "press",
        abstract: "Press OK (through every page, i.e. approve) or Cancel on a waiting token; otp: show an OATH code on its screen.")

    @Argument(help: "ok, cancel, or otp (the holder picks an OATH account and reads its code on the screen)")
    var button: String

    @Option(help: "With otp: the account (its full id, as `ukey otp list` shows it; default the first).")
    var account: String?

    @Flag(help: "Press once (OK shows the next page) instead of through every page.")
    var once = false

    @OptionGroup var options: EmulatorControlOptions

    func validate() throws {
        guard ControlButton(rawValue: button) != nil || button == "otp" else { throw ValidationError("the button is ok, cancel or otp") }
    }

    func run() throws {
        if button == "otp" { return try options.run(.otp(token: options.token, account: account)) }
        try options.run(.press(token: options.token, button: ControlButton(rawValue: button), once: once))
    }
}

/// `ukey emulator insert`: the card goes back into the token's slot.
struct EmulatorInsertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "insert", abstract: "Insert a token's card (NotifySlotChange).")

    @OptionGroup var options: EmulatorControlOptions

    func run() throws {
        try options.run(.insert(token: options.token))
    }
}

/// `ukey emulator remove`: the card leaves the token's slot.
struct EmulatorRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a token's card (NotifySlotChange).")

    @OptionGroup var options: EmulatorControlOptions

    func run() throws {
        try options.run(.remove(token: options.token))
    }
}

/// `ukey emulator events`: follow what the tokens do (screen pages, decisions, slot changes).
struct EmulatorEventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Print token events as they happen.")

    @OptionGroup var options: EmulatorControlOptions

    func run() throws {
        throw ExitCode(EmulatorCommandLine.events(stateDirectory: options.stateDirectory, token: options.token,
                                                  json: options.json))
    }
}
