import BankingProtocol
import CardOS
import TokenDevice
#if canImport(Glibc)
import Glibc
#endif

/// `--confirm ask`: the token's 4 × 16 screen drawn in a box on the terminal, with the page
/// number, and the keys Enter / o (OK, one page) and c / Esc (Cancel) read from stdin in raw
/// mode (no echo, no line buffering; Ctrl-C still interrupts). ``restore()`` gives the terminal
/// back its settings, and its file status flags: the emulator makes `input` non-blocking, and
/// that flag lives in the open file description it shares with the shell.
///
/// Reactor thread only.
final class TerminalConfirmation {
    private let input: Int32
    private let write: (String) -> Void
    private var saved: termios?
    /// `input`'s file status flags (O_NONBLOCK) before the emulator changed them.
    private var savedFlags: Int32?

    /// Puts `input` (a terminal) into raw mode.
    init(input: Int32 = STDIN_FILENO, write: @escaping (String) -> Void) {
        self.input = input
        self.write = write
        var settings = termios()
        guard isatty(input) == 1, tcgetattr(input, &settings) == 0 else { return }
        saved = settings
        let flags = fcntl(input, F_GETFL)
        if flags >= 0 { savedFlags = flags }
        settings.c_lflag &= ~tcflag_t(ICANON | ECHO)
        withUnsafeMutableBytes(of: &settings.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        _ = tcsetattr(input, TCSANOW, &settings)
    }

    /// The descriptor the reactor watches for keys.
    var descriptor: Int32 { input }

    /// Restores the terminal (idempotent).
    func restore() {
        if let flags = savedFlags {
            _ = fcntl(input, F_SETFL, flags)
            savedFlags = nil
        }
        guard var settings = saved else { return }
        _ = tcsetattr(input, TCSANOW, &settings)
        saved = nil
    }

    /// Draws one page for token `busid`. Keys typed before the page appears are discarded
    /// first, so type-ahead can never approve a page the holder has not seen.
    func draw(_ screen: Screen, busid: String) {
        _ = tcflush(input, TCIFLUSH)
        let width = Screen.columnCount
        let title = " \(busid) \(screen.page + 1)/\(screen.pageCount) "
        var lines = ["┌" + TerminalConfirmation.pad(title, to: width, with: "─") + "┐"]
        for index in 0..<Screen.lineCount {
            let text = index < screen.lines.count ? screen.lines[index] : ""
            lines.append("│" + TerminalConfirmation.pad(text, to: width, with: " ") + "│")
        }
        lines.append("└" + String(repeating: "─", count: width) + "┘")
        lines.append(screen.isLastPage ? "Enter/o: OK (approve)   c/Esc: Cancel" : "Enter/o: next page   c/Esc: Cancel")
        write(lines.joined(separator: "\n"))
    }

    /// Tells the holder that the confirmation ended.
    func cleared(busid: String) {
        write("(\(busid): screen cleared)")
    }

    /// Reads the keys typed: Enter / `o` OK, `c` / Esc Cancel, the digits, Backspace Clear;
    /// `[]` for none, or `nil` at end of input. The caller debounces confirmations (a burst of
    /// keys — a held Enter, pasted text — is one press there); a PIN entry takes every key. The
    /// buffer holding the digits is zeroed.
    func readKeys() -> [KeypadKey]? {
        var buffer = [UInt8](repeating: 0, count: 64)
        defer { for i in buffer.indices { buffer[i] = 0 } }
        let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
        if count == 0 { return nil }
        if count < 0 { return errno == EAGAIN || errno == EINTR ? [] : nil }
        return buffer[..<count].compactMap { key -> KeypadKey? in
            switch key {
            case 0x0D, 0x0A, UInt8(ascii: "o"), UInt8(ascii: "O"): return .ok
            case UInt8(ascii: "c"), UInt8(ascii: "C"), 0x1B: return .cancel
            case 0x7F, 0x08: return .clear
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return .digit(key - UInt8(ascii: "0"))
            default: return nil
            }
        }
    }

    /// `text` cut or padded to `width` terminal columns, measured as the token's screen does
    /// (``ValueLines/columns(of:)``: East Asian Width W/F two columns, Mn/Me none); a wide scalar
    /// that would straddle the edge is cut, and a combining mark stays with its letter.
    static func pad(_ text: String, to width: Int, with fill: Character) -> String {
        var out = ""
        var used = 0
        for scalar in text.unicodeScalars {
            let columns = ScalarClass(scalar).columns
            if used + columns > width { break }
            out.unicodeScalars.append(scalar)
            used += columns
        }
        out += String(repeating: fill, count: width - used)
        return out
    }
}
