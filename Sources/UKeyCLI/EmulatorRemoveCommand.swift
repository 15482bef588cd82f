import ArgumentParser
import UKeyEmulator

/// `ukey emulator remove`: the card leaves the token's slot.
struct EmulatorRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a token's card (NotifySlotChange).")

    @OptionGroup var options: EmulatorControlOptions

    func run() throws {
        throw ExitCode(EmulatorCommandLine.control(options.request("remove"), stateDirectory: options.stateDirectory,
                                                   json: options.json))
    }
}
