import ArgumentParser
import UKey

/// `ukey`: the UKey command line.
struct UKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ukey",
        abstract: "UKey: a USB banking token simulated in software, and the tools around it.",
        discussion: """
            Talk to a token through pcscd (PCSCLITE_CSOCK_NAME selects a private one):
              ukey emulator run --state /tmp/ukey &
              ukey pcscd start --state /tmp/ukey && eval "$(ukey pcscd env)"
              ukey readers
              ukey token info
              ukey apdu 00A4040006F0554B455901 00CA010000
              ukey piv info
            """,
        version: UKeyVersion.string,
        subcommands: [ReadersCommand.self, ATRCommand.self, APDUCommand.self, ScriptCommand.self, TokenCommand.self, PIVCommand.self, TransferCommand.self,
                      CACommand.self, EmulatorCommand.self, PCSCDCommand.self, DriverCommand.self,
                      OTPCommand.self, ShellCommand.self])
}
