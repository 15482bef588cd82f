import Foundation

/// Asks on the controlling terminal (`/dev/tty`) with echo off, like `getpass`: the holder's
/// typing is never shown, and the terminal is restored even when the read fails — or when
/// Ctrl-C, SIGTERM, SIGHUP or SIGQUIT ends the process at the prompt (a handler puts the saved
/// settings back, then the signal takes its default course).
enum TerminalPrompt {
    /// The typed line, or `nil` when there is no terminal (CI, pipes).
    static func readSecret(prompt: String) throws -> [UInt8]? {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { return nil }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO | ECHONL)
        quiet.c_lflag |= tcflag_t(ICANON)
        PromptSignals.install(fd: fd, saved: saved)
        defer { PromptSignals.uninstall() }
        // Echo off first, then the prompt: what is typed once the prompt shows is kept (TCSAFLUSH
        // drops only what was typed before it), and none of it is echoed.
        guard tcsetattr(fd, TCSAFLUSH, &quiet) == 0 else { return nil }
        _ = write(fd, prompt, prompt.utf8.count)
        defer {
            _ = tcsetattr(fd, TCSAFLUSH, &saved)
            _ = write(fd, "\n", 1)
        }
        return try SecretInput.firstLine(of: fd, name: "secret")
    }

    /// Whether standard input is a terminal (confirmations are shown only then).
    static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 }
}

/// The terminal settings a signal handler restores while a prompt has echo off. Plain globals:
/// the handler may only read memory and make async-signal-safe calls (tcsetattr, write, signal,
/// raise), so nothing here allocates or locks.
private nonisolated(unsafe) var promptDescriptor: Int32 = -1
private nonisolated(unsafe) var promptSettings = termios()
private nonisolated(unsafe) var previousHandlers: [Int32: sighandler_t?] = [:]

private enum PromptSignals {
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

    static func install(fd: Int32, saved: termios) {
        promptSettings = saved
        promptDescriptor = fd
        for number in signals {
            let previous = signal(number, { number in
                if promptDescriptor >= 0 {
                    _ = tcsetattr(promptDescriptor, TCSAFLUSH, &promptSettings)
                    _ = write(promptDescriptor, "\n", 1)
                }
                signal(number, SIG_DFL)
                raise(number)
            })
            previousHandlers[number] = previous
        }
    }

    static func uninstall() {
        for number in signals {
            signal(number, previousHandlers[number] ?? SIG_DFL)
        }
        previousHandlers = [:]
        promptDescriptor = -1
    }
}
