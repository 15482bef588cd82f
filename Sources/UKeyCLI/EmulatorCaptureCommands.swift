import ArgumentParser
import UKeyArguments
import UKeyControl

// `ukey emulator capture start|stop` (issue 20): USB captures of a running emulator's tokens.

/// `ukey emulator capture`: start or stop a pcap of the tokens' USB traffic.
struct EmulatorCaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Capture the tokens' USB traffic as a pcap (Linux usbmon) for Wireshark.",
        subcommands: [EmulatorCaptureStartCommand.self, EmulatorCaptureStopCommand.self])
}

/// `ukey emulator capture start FILE [--include-secrets]`.
struct EmulatorCaptureStartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start capturing into FILE (replaces a running capture).",
        discussion: "Read it with: tshark -r FILE -V -d usbccid.subdissector,iso7816")

    @Argument(help: "The pcap file to write.", transform: AbsolutePath.file)
    var file: String

    @Flag(name: .customLong("include-secrets"), help: "Do not redact PINs and other secrets.")
    var includeSecrets = false

    @OptionGroup var options: EmulatorControlOptions

    func run() throws {
        try options.run(.captureStart(file: file, includeSecrets: includeSecrets))
    }
}

/// `ukey emulator capture stop`.
struct EmulatorCaptureStopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop the running capture.")

    @OptionGroup var options: EmulatorControlOptions

    func run() throws {
        try options.run(.captureStop)
    }
}
