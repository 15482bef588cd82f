import ArgumentParser
import Foundation
import UKeyArguments
import UKeyEmulator

/// `ukey emulator …`: run the token emulator and talk to a running one.
struct EmulatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "Run the token emulator (USB/IP server, vpcd card) and control a running one.",
        subcommands: [EmulatorRunCommand.self, EmulatorStatusCommand.self, EmulatorPressCommand.self, EmulatorTypeCommand.self,
                      EmulatorInsertCommand.self, EmulatorRemoveCommand.self, EmulatorEventsCommand.self,
                      EmulatorStopCommand.self, EmulatorWaitCommand.self, EmulatorResetCommand.self, EmulatorSetCommand.self,
                      EmulatorFaultCommand.self, EmulatorCaptureCommand.self])
}

/// `ukey emulator run`: serve tokens over USB/IP (and to vpcd) until SIGINT / SIGTERM.
struct EmulatorRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the token emulator.",
        discussion: """
            Factory secrets come from UKEY_FACTORY_PIN / UKEY_FACTORY_PUK, else they are generated, \
            written to DIR/1-k/factory-secrets and shown only on a terminal.
            """)

    @Option(name: .customLong("listen"), help: "USB/IP listener, repeatable: HOST:PORT, [V6]:PORT (port 0 picks one) or unix:PATH (default 127.0.0.1:3240).", transform: AbsolutePath.listener)
    var listen: [String] = []

    @Option(help: "How many tokens to serve (bus ids 1-1 … 1-N).")
    var tokens = 1

    @Option(name: .customLong("state"), help: "State directory (default ${XDG_STATE_HOME:-~/.local/state}/ukey).", transform: AbsolutePath.file)
    var stateDirectory: String?

    @Option(help: "Who confirms transfers: ask, approve, deny or external (default: ask on a terminal, else external).")
    var confirm: String?

    /// The seconds `--confirm-timeout` allows: at least one, at most a day.
    static let confirmTimeoutRange: ClosedRange<Double> = 1...86_400

    @Option(name: .customLong("confirm-timeout"), help: "Seconds the holder has to decide (1…86400).")
    var confirmTimeout: Double = 120

    @Option(help: "CCID exchange level: apdu, tpdu (T=1) or tpdu-t0 (a T=0 card behind a TPDU reader).")
    var exchange = "apdu"

    @Option(help: "Serve token i to vpcd at HOST:PORT (default 127.0.0.1:35963); repeatable, the i-th for token i.")
    var vpcd: [String] = []

    @Flag(help: "Print every USB/IP, CCID and APDU hop (PINs redacted).")
    var trace = false

    @Option(name: .customLong("ready-fd"), help: "Once serving, write \"ready LISTENER…\" and a newline to this file descriptor and close it (CI).")
    var readyFD: Int32?

    @Option(help: "Capture the tokens' USB traffic into FILE (pcap, Linux usbmon; PINs redacted).", transform: AbsolutePath.file)
    var pcap: String?

    @Flag(name: .customLong("pcap-include-secrets"), help: "Do not redact PINs and other secrets in the --pcap capture.")
    var pcapIncludeSecrets = false

    @Option(help: "How fast the tokens answer: fast (default), ushield, yubikey5 or a FILE.json.")
    var profile = "fast"

    @Option(name: .customLong("pin-entry"), help: "PIN-entry policy of tokens manufactured now: both (keypad or computer) or keypad-only.")
    var pinEntry = "both"

    func validate() throws {
        if let readyFD, readyFD < 3 || fcntl(readyFD, F_GETFD) < 0 {
            throw ValidationError("--ready-fd \(readyFD) is not an open file descriptor above 2")
        }
        if let confirm, ConfirmationMode(rawValue: confirm) == nil {
            throw ValidationError("--confirm must be ask, approve, deny or external")
        }
        guard pinEntry == "both" || pinEntry == "keypad-only" else {
            throw ValidationError("--pin-entry must be both or keypad-only")
        }
        guard Self.confirmTimeoutRange.contains(confirmTimeout) else {
            throw ValidationError("--confirm-timeout must be \(Self.confirmTimeoutRange.lowerBound.formatted)…\(Self.confirmTimeoutRange.upperBound.formatted) seconds, not \(confirmTimeout.formatted)")
        }
    }

    func run() throws {
        var configuration = EmulatorConfiguration()
        do {
            configuration.listen = try listen.map { text throws(EmulatorError) in try ListenAddress(parsing: text) }
            try configuration.setExchange(named: exchange)
            configuration.profile = try TimingProfile.named(profile.hasSuffix(".json") ? AbsolutePath.file(profile) : profile)
        } catch {
            throw ValidationError(error.description)
        }
        configuration.tokens = tokens
        configuration.stateDirectory = stateDirectory
        configuration.confirmation = confirm.flatMap(ConfirmationMode.init(rawValue:)) ?? EmulatorCommandLine.defaultConfirmation
        configuration.confirmationTimeout = UInt64(confirmTimeout * 1000)
        configuration.vpcd = vpcd
        configuration.trace = trace
        configuration.keypadOnly = pinEntry == "keypad-only"
        configuration.pcap = pcap
        configuration.pcapIncludeSecrets = pcapIncludeSecrets
        throw ExitCode(EmulatorCommandLine.run(configuration, readyFD: readyFD))
    }
}

private extension Double {
    /// `120` for whole numbers, else as Swift prints it (`0.5`).
    var formatted: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self) }
}
