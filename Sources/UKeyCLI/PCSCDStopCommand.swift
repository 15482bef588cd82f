import ArgumentParser
import UKeyTools

/// `ukey pcscd stop [--dir DIR]`: stops only the pcscd `start` wrote in DIR/pcscd.pid.
struct PCSCDStopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop the private pcscd started in DIR.")

    @OptionGroup var directory: PCSCDDirectoryOptions

    func run() throws {
        let pcscd = PrivatePCSCD(directory: directory.dir ?? PrivatePCSCD.defaultDirectory())
        if let pid = pcscd.stop() {
            print("pcscd \(pid) stopped")
        } else {
            print("no pcscd of ours runs in \(pcscd.directory)")
        }
    }
}
