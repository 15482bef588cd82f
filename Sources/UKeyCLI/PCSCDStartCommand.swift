import ArgumentParser
import Foundation
import UKeyTools

/// `ukey pcscd start [--device NAME]… [--state DIR] [--driver PATH] [--trace] [--dir DIR]`.
struct PCSCDStartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start the private pcscd; returns once its socket answers.",
        discussion: "Then: eval \"$(ukey pcscd env)\" and use any PC/SC program.")

    @OptionGroup var directory: PCSCDDirectoryOptions

    @Option(name: .customLong("device"), help: "A reader's DEVICENAME (usbip:HOST:PORT/BUSID, usbip:unix:PATH/BUSID); repeatable. Default: every token of the running emulator.", transform: AbsolutePath.device)
    var devices: [String] = []

    @Option(name: .customLong("state"), help: "The emulator's state directory, to find its tokens (default ${XDG_STATE_HOME:-~/.local/state}/ukey).", transform: AbsolutePath.file)
    var stateDirectory: String?

    @Option(help: "The driver (default: libifd-ukey.so next to this ukey binary).", transform: AbsolutePath.file)
    var driver: String?

    @Flag(help: "Trace every hop of the driver into DIR/pcscd.log (UKEY_DRIVER_TRACE=1, pcscd -d).")
    var trace = false

    func run() throws {
        let pcscd = PrivatePCSCD(directory: directory.dir ?? PrivatePCSCD.defaultDirectory())
        do {
            let readers = devices.isEmpty ? try PrivatePCSCD.emulatorDevices(stateDirectory: stateDirectory) : devices
            let pid = try pcscd.start(devices: readers, driver: driver ?? PrivatePCSCD.defaultDriver(), trace: trace)
            print("pcscd \(pid) listening on \(pcscd.socketPath) with \(readers.count) reader(s); log \(pcscd.logPath)")
        } catch {
            FileHandle.standardError.write(Data("ukey pcscd start: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
