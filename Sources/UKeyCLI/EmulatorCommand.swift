import ArgumentParser

/// `ukey emulator …`: run the token emulator and talk to a running one.
struct EmulatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "Run the token emulator (USB/IP server, vpcd card) and control a running one.",
        subcommands: [EmulatorRunCommand.self, EmulatorStatusCommand.self, EmulatorPressCommand.self,
                      EmulatorInsertCommand.self, EmulatorRemoveCommand.self, EmulatorEventsCommand.self])
}
