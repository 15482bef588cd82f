import ArgumentParser
import Foundation
import PCSC
import UKeyArguments
import UKeyTools
#if canImport(Glibc)
import Glibc
#endif

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
            let announced = Self.announcedReaders(socket: pcscd.socketPath, expected: readers.count)
            guard !announced.isEmpty else {
                pcscd.stop()
                throw PrivatePCSCDError("pcscd announced no reader: the driver opened none of \(readers.joined(separator: ", ")); "
                                        + "the end of \(pcscd.logPath):\n" + pcscd.logTail())
            }
            print("pcscd \(pid) listening on \(pcscd.socketPath) with \(announced.count) reader(s); log \(pcscd.logPath)")
            if announced.count < readers.count {
                FileHandle.standardError.write(Data(("ukey pcscd start: \(readers.count - announced.count) of \(readers.count) device(s) "
                                                     + "have no reader (\(announced.joined(separator: ", ")) came up); see \(pcscd.logPath)\n").utf8))
            }
        } catch {
            FileHandle.standardError.write(Data("ukey pcscd start: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The readers pcscd lists (SCardListReaders through `socket`), once `expected` are there
    /// or `timeout` seconds have passed: pcscd drops a reader whose IFDHCreateChannelByName fails.
    static func announcedReaders(socket: String, expected: Int, timeout: Double = 5) -> [String] {
        setenv("PCSCLITE_CSOCK_NAME", socket, 1)  // read once, at this process's first context
        guard let context = try? PCSCContext(scope: .system) else { return [] }
        defer { context.release() }
        let deadline = Date().addingTimeInterval(timeout)
        var names: [String] = []
        repeat {
            names = (try? context.readers()) ?? []
            if names.count >= expected { break }
            usleep(100_000)
        } while Date() < deadline
        return names
    }
}
