import ArgumentParser

/// `ukey driver …`: the pcscd driver bundle.
struct DriverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "driver",
        abstract: "Install the pcscd driver (libifd-ukey.so), its udev rule and emulator readers.",
        subcommands: [DriverInstallCommand.self])
}
