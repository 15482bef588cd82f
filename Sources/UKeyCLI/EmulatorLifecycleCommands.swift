import ArgumentParser
import UKeyControl
import UKeyEmulator

// `ukey emulator stop | wait | reset | set`: a running emulator's life cycle, for CI scripts and
// tests (with `run --ready-fd`, README "Testers: emulated tokens in CI").

/// `ukey emulator stop`: stops a running emulator and returns once its state directory is free.
struct EmulatorStopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop a running emulator (returns once its state directory is free).")

    @Option(help: "Seconds to wait for the emulator to finish.")
    var timeout: Double = 10

    @OptionGroup var options: EmulatorControlOptions

    func run() throws {
        throw ExitCode(EmulatorCommandLine.stop(stateDirectory: options.stateDirectory, timeout: timeout, json: options.json))
    }
}

/// `ukey emulator wait`: returns once an emulator answers on the control socket.
struct EmulatorWaitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait until an emulator answers on its control socket (exit 1 after --timeout).")

    @Option(help: "Seconds to wait.")
    var timeout: Double = 30

    @OptionGroup var options: EmulatorControlOptions

    func run() throws {
        throw ExitCode(EmulatorCommandLine.wait(stateDirectory: options.stateDirectory, timeout: timeout, json: options.json))
    }
}

/// `ukey emulator reset [--factory]`: a token's power cycle, or the token as manufactured.
struct EmulatorResetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Power-cycle a token (the card loses power), or with --factory make it as manufactured.",
        discussion: """
            --factory: a new serial, no keys or certificates, new factory secrets (UKEY_FACTORY_* of the \
            emulator's environment, else new random ones in DIR/1-k/factory-secrets). A bank sees a new \
            token. A USB/IP client that imported it loses it, as on unplugging.
            """)

    @Flag(help: "Reset the token to its factory state (everything on it is lost).")
    var factory = false

    @OptionGroup var options: EmulatorControlOptions

    func run() throws {
        try options.run(.reset(token: options.token, factory: factory))
    }
}

/// `ukey emulator set --confirm MODE`: changes a running emulator's settings.
struct EmulatorSetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Change a running emulator's confirmation mode (approve and deny also decide what waits now).")

    @Option(help: "ask, approve, deny or external (ask only on the terminal the emulator runs on).")
    var confirm: String

    @OptionGroup var options: EmulatorControlOptions

    func validate() throws {
        guard ConfirmationMode(rawValue: confirm) != nil else { throw ValidationError("--confirm must be ask, approve, deny or external") }
    }

    func run() throws {
        try options.run(.set(confirm: confirm))
    }
}
