import ArgumentParser
import Foundation
import UKeyArguments
import UKeyTools

/// `ukey driver install [--uninstall] [--library PATH] [--reader usbip:…] [--prefix DIR]`.
struct DriverInstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Copy the driver bundle, the udev rule and reader.conf entries where pcscd looks.",
        discussion: """
            The bundle goes into $(pkg-config libpcsclite --variable=usbdropdir)/ifd-ukey.bundle, the rule \
            into /etc/udev/rules.d/92-ukey.rules, readers into /etc/reader.conf.d/ukey. Restart pcscd afterwards. \
            --device VVVV:PPPP adds another CCID reader or token to the bundle's hot-plug list (Info.plist) and \
            the rule; when libccid lists it too, pcscd uses the first bundle that matches (see README).
            """)

    @Flag(help: "Remove exactly what install wrote.")
    var uninstall = false

    @Option(help: "The built driver (default: libifd-ukey.so next to this ukey binary).", transform: AbsolutePath.file)
    var library: String?

    @Option(name: .customLong("reader"), help: "An emulator reader for /etc/reader.conf.d/ukey: usbip:HOST:PORT/BUSID or usbip:unix:PATH/BUSID; repeatable.", transform: AbsolutePath.device)
    var readers: [String] = []

    @Option(name: .customLong("device"), help: "Another CCID device for the bundle's hot-plug list and the udev rule: VVVV:PPPP (USB vendor and product ID in hex); repeatable.")
    var devices: [String] = []

    @Option(help: "A root for every path (a staging directory); default: the live system.", transform: AbsolutePath.file)
    var prefix = ""

    @Option(help: "The folder holding 92-ukey.rules and ifd-ukey.bundle (default: the source tree's udev/).", transform: AbsolutePath.file)
    var files: String?

    func run() throws {
        var installer = DriverInstaller(prefix: prefix, library: library ?? PrivatePCSCD.defaultDriver(),
                                        filesDirectory: files ?? DriverInstaller.defaultFilesDirectory())
        installer.readers = readers
        installer.devices = devices
        if uninstall {
            installer.uninstall()
            return
        }
        do {
            try installer.install()
        } catch {
            FileHandle.standardError.write(Data("ukey driver install: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
