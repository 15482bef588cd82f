import ArgumentParser
import UKeyEmulator

/// `ukey emulator insert`: the card goes back into the token's slot.
struct EmulatorInsertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "insert", abstract: "Insert a token's card (NotifySlotChange).")

    @OptionGroup var options: EmulatorControlOptions

    func run() throws {
        throw ExitCode(EmulatorCommandLine.control(options.request("insert"), stateDirectory: options.stateDirectory,
                                                   json: options.json))
    }
}
