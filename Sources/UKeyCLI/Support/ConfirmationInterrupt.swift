import Dispatch
import Foundation
import Synchronization
import UKeyControl
import UKeyEmulator

/// Ctrl-C (SIGINT) or SIGTERM while a token waits for its holder. Through PC/SC nothing ends the
/// wait from here: pcscd holds the reader for the whole transmit, and SCardCancel ends only
/// status waits. So for an emulated token whose control socket is known (`--state` or
/// `UKEY_STATE`) the control op `abort` ends the confirmation on the token; for any other token
/// one line says that it still shows the transfer. Then the command exits (128 + the signal).
final class ConfirmationInterrupt {
    /// What a token that is not told to stop waits at most (the emulator's `--confirm-timeout`
    /// default and the UKey firmware's).
    static let defaultConfirmationSeconds = 120

    private let sources: [(signal: Int32, source: any DispatchSourceSignal)]
    /// Set once a signal is being handled: the handler ends the process itself, after its abort.
    private static let handling = Mutex(false)

    /// Handles SIGINT and SIGTERM until ``end()``: `abort` for token `serial` at the emulator of
    /// `stateDirectory`, when both are known.
    init(stateDirectory: String?, serial: String?) {
        let queue = DispatchQueue(label: "ukey.confirmation-interrupt")
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { Self.interrupted(by: number, stateDirectory: stateDirectory, serial: serial) }
            source.resume()
            return (number, source)
        }
    }

    /// The signals act as before again. If a signal is being handled, the abort it sent may be
    /// what ended the command: the handler prints its line and exits, so this thread waits for
    /// it instead of reporting the aborted command as an error of its own.
    func end() {
        if Self.handling.withLock({ $0 }) {
            while true { sleep(1) }
        }
        for (number, source) in sources {
            source.cancel()
            signal(number, SIG_DFL)
        }
    }

    /// The control socket named by `--state`, else `UKEY_STATE`.
    static func stateDirectory(_ option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        option ?? environment["UKEY_STATE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    private static func interrupted(by number: Int32, stateDirectory: String?, serial: String?) -> Never {
        handling.withLock { $0 = true }
        var message = "ukey: interrupted; the token still shows the transfer until the holder presses Cancel or "
            + "\(defaultConfirmationSeconds) s pass (other programs wait for the token until then)"
        if let stateDirectory, let serial {
            do {
                let reply = try ControlClient(stateDirectory: stateDirectory).request(.abort(token: serial))
                if reply.isOK {
                    message = "ukey: interrupted; the transfer was cancelled on the token"
                } else {
                    message += "; the emulator did not end it: \(reply.error ?? "")"
                }
            } catch {
                message += "; the emulator did not end it: \(error)"
            }
        }
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(128 + number)
    }
}
