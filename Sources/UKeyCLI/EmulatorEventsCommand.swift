import ArgumentParser
import UKeyEmulator

/// `ukey emulator events`: follow what the tokens do (screen pages, decisions, slot changes).
struct EmulatorEventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Print token events as they happen.")

    @OptionGroup var options: EmulatorControlOptions

    func run() throws {
        throw ExitCode(EmulatorCommandLine.events(stateDirectory: options.stateDirectory, token: options.token,
                                                  json: options.json))
    }
}
