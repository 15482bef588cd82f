import ArgumentParser
import UKeyArguments

/// `ukey pcscd start|stop|env`: a private pcscd with the UKey driver.
struct PCSCDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pcscd",
        abstract: "Run a private pcscd with the UKey driver in its own mount namespace.",
        subcommands: [PCSCDStartCommand.self, PCSCDStopCommand.self, PCSCDEnvCommand.self])
}

/// The private pcscd's directory, shared by start, stop and env.
struct PCSCDDirectoryOptions: ParsableArguments {
    @Option(help: "The pcscd directory (default $XDG_RUNTIME_DIR/ukey/pcscd, else /tmp/ukey-pcscd-$UID).", transform: AbsolutePath.file)
    var dir: String?
}
