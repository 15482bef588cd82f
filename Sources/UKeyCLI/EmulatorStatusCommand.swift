import ArgumentParser
import UKeyEmulator

/// `ukey emulator status`: listeners and tokens of a running emulator.
struct EmulatorStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a running emulator's listeners and tokens.")

    @OptionGroup var options: EmulatorControlOptions

    func run() throws {
        throw ExitCode(EmulatorCommandLine.control(options.request("status"), stateDirectory: options.stateDirectory,
                                                   json: options.json))
    }
}
