import Foundation
import UKeyControl
#if canImport(Glibc)
import Glibc
#endif

/// What the `ukey emulator` subcommands do, so that the commands themselves only parse.
public enum EmulatorCommandLine {
    /// `--confirm` without a value: `ask` when stdin and stdout are a terminal, else `external`.
    public static var defaultConfirmation: ConfirmationMode {
        isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 ? .ask : .external
    }

    /// Rewrites a bare `--vpcd` (last argument, or followed by another option) to
    /// `--vpcd=127.0.0.1:35963`, since the option's value is optional.
    public static func expandingOptionalValues(_ arguments: [String]) -> [String] {
        var out: [String] = []
        for (index, argument) in arguments.enumerated() {
            let next = index + 1 < arguments.count ? arguments[index + 1] : nil
            if argument == "--vpcd" && (next == nil || next!.hasPrefix("-")) {
                out.append("--vpcd=" + EmulatorConfiguration.defaultVPCDAddress)
            } else {
                out.append(argument)
            }
        }
        return out
    }

    /// `ukey emulator run`: starts the emulator on this thread and runs it until SIGINT or
    /// SIGTERM. Returns the exit status (0 after a clean shutdown, 1 if it could not start).
    /// `readyFD`: ``signalReady(fd:listeners:)`` once the sockets are bound.
    public static func run(_ configuration: EmulatorConfiguration, readyFD: Int32? = nil) -> Int32 {
        SignalWatcher.blockTerminationSignals()
        var configuration = configuration
        configuration.showFactorySecrets = isatty(STDOUT_FILENO) == 1
        let output = configuration.output
        configuration.output = { line in
            output(line)
            fflush(nil)
        }
        let emulator: Emulator
        do {
            emulator = try Emulator(configuration: configuration)
        } catch {
            configuration.diagnostics("ukey emulator: error: \(error)")
            if let readyFD { close(readyFD) }   // the waiting reader sees end of file, not "ready"
            return 1
        }
        SignalWatcher.start { [emulator] number in
            emulator.configuration.diagnostics("ukey emulator: \(number == SIGINT ? "SIGINT" : "SIGTERM"), stopping")
            emulator.stop()
        }
        if let readyFD { signalReady(fd: readyFD, listeners: emulator.listenerAddresses) }
        emulator.run()
        return 0
    }

    /// A control request (`status`, `press`, `insert`, `remove`): prints the reply as JSON or
    /// text; returns the exit status (1 when the emulator refused or could not be reached).
    public static func control(_ request: ControlRequest, stateDirectory: String?, json: Bool) -> Int32 {
        do {
            let reply = try ControlClient(stateDirectory: stateDirectory).request(request)
            if json {
                print(ControlFormatter.json(reply))
            } else if case .failure(let message) = reply {
                FileHandle.standardError.write(Data("ukey emulator: \(message)\n".utf8))
            } else if case .status(let status) = reply {
                print(ControlFormatter.status(status))
            } else {
                print(ControlFormatter.result(reply))
            }
            return reply.isOK ? 0 : 1
        } catch {
            reportFailure(error, json: json)
            return 1
        }
    }

    /// `ukey emulator events`: prints every event (of one token if `token` is given) until the
    /// emulator stops.
    public static func events(stateDirectory: String?, token: String?, json: Bool) -> Int32 {
        do {
            let client = try ControlClient(stateDirectory: stateDirectory)
            if case .failure(let message) = try client.request(.events) {
                reportFailure(EmulatorError.control(message), json: json)
                return 1
            }
            while let event = try client.nextEvent() {
                if let token, !token.isEmpty, event.token != token { continue }
                print(json ? ControlFormatter.json(event) : ControlFormatter.event(event))
                fflush(nil)
            }
            return 0
        } catch {
            // The emulator stopping ends the stream: not an error.
            if case .control(let text) = error, text.contains("closed") { return 0 }
            reportFailure(error, json: json)
            return 1
        }
    }

    static func reportFailure(_ error: EmulatorError, json: Bool) {
        if json {
            print(ControlFormatter.json(ControlReply.failure(error.description)))
        } else {
            FileHandle.standardError.write(Data("ukey emulator: \(error)\n".utf8))
        }
    }
}
