import ArgumentParser
import UKeyTools

/// `ukey pcscd env [--dir DIR]`: `export PCSCLITE_CSOCK_NAME=DIR/pcscd.comm`.
struct PCSCDEnvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "env", abstract: "Print the shell line that points PC/SC clients at the private pcscd.")

    @OptionGroup var directory: PCSCDDirectoryOptions

    func run() throws {
        print(PrivatePCSCD(directory: directory.dir ?? PrivatePCSCD.defaultDirectory()).environmentLine)
    }
}
