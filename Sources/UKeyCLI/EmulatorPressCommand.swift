import ArgumentParser
import UKeyEmulator

/// `ukey emulator press ok|cancel [--once]`: a button on a token that waits for its holder.
struct EmulatorPressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "press",
        abstract: "Press OK (through every page, i.e. approve) or Cancel on a waiting token.")

    @Argument(help: "ok or cancel")
    var button: String

    @Flag(help: "Press once (OK shows the next page) instead of through every page.")
    var once = false

    @OptionGroup var options: EmulatorControlOptions

    func validate() throws {
        guard button == "ok" || button == "cancel" else { throw ValidationError("the button is ok or cancel") }
    }

    func run() throws {
        var request = options.request("press")
        request["button"] = button
        request["once"] = once
        throw ExitCode(EmulatorCommandLine.control(request, stateDirectory: options.stateDirectory, json: options.json))
    }
}
