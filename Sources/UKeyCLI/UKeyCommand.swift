import ArgumentParser

/// `ukey`: the UKey command line.
struct UKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ukey",
        abstract: "UKey: a USB banking token simulated in software, and the tools around it.",
        subcommands: [EmulatorCommand.self, DriverCommand.self, PCSCDCommand.self])
}
