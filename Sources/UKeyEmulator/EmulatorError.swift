#if canImport(Glibc)
import Glibc
#endif

/// Why the emulator could not start, or why a request to it failed. Messages name the file or
/// address and say what to do; they never contain a PIN, a PUK or key bytes.
public enum EmulatorError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A `--listen` value that is neither `HOST:PORT` nor `unix:PATH`.
    case badAddress(String, reason: String)
    /// A system call failed; `errno` is its error code.
    case system(operation: String, errno: Int32)
    /// The state directory is readable or writable by others.
    case unsafeStateDirectory(String)
    /// The state directory belongs to another user.
    case foreignStateDirectory(String)
    /// A file or directory in the state directory is readable or writable by others.
    case unsafeStateFile(String)
    /// A file or directory in the state directory belongs to another user.
    case foreignStateFile(String)
    /// Another emulator holds the state directory's lock.
    case stateDirectoryLocked(String)
    /// A token's NVM image could not be opened or written.
    case tokenState(busid: String, reason: String)
    /// `UKEY_FACTORY_PIN` / `UKEY_FACTORY_PUK` has the wrong format (the value is never shown).
    case badFactorySecret(variable: String, rule: String)
    /// Something else in the configuration.
    case badConfiguration(String)
    /// The control socket answered with an error, or could not be reached.
    case control(String)

    public var description: String {
        switch self {
        case .badAddress(let text, let reason):
            return "bad listen address '\(text)': \(reason)"
        case .system(let operation, let code):
            return "\(operation): \(String(cString: strerror(code)))"
        case .unsafeStateDirectory(let path):
            return "state directory \(path) is accessible by group or others; run: chmod 700 \(path)"
        case .foreignStateDirectory(let path):
            return "state directory \(path) belongs to another user"
        case .unsafeStateFile(let path):
            return "state file \(path) is accessible by group or others; run: chmod go= \(path)"
        case .foreignStateFile(let path):
            return "state file \(path) belongs to another user"
        case .stateDirectoryLocked(let path):
            return "state directory \(path) is in use by another emulator (its lock is held)"
        case .tokenState(let busid, let reason):
            return "token \(busid): \(reason)"
        case .badFactorySecret(let variable, let rule):
            return "\(variable) must be \(rule)"
        case .badConfiguration(let text):
            return text
        case .control(let text):
            return text
        }
    }
}
