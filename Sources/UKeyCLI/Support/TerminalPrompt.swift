import Foundation

/// Asks on the controlling terminal (`/dev/tty`) with echo off, like `getpass`: the holder's
/// typing is never shown, and the terminal is restored even when the read fails.
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
