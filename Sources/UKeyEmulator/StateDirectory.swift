#if canImport(Glibc)
import Glibc
#endif

/// The emulator's state directory (`--state DIR`): created 0700, refused when group or others
/// can reach it or anything directly in it (a token directory, an NVM image), and locked with `flock(DIR/lock)` for as long as this value lives, so that two
/// emulators never share one. It holds one directory per token (named by bus id) and
/// `control.sock`.
final class StateDirectory {
    let path: String
    private var lockDescriptor: Int32

    /// `${XDG_STATE_HOME:-~/.local/state}/ukey`.
    static func defaultPath(environment: [String: String]) -> String {
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty { return state + "/ukey" }
        let home = environment["HOME"] ?? String(cString: getpwuid(getuid())?.pointee.pw_dir ?? strdup("/"))
        return home + "/.local/state/ukey"
    }

    /// How long (ms) a held lock is retried before the directory counts as in use.
    static let lockGrace = 1_000

    /// Creates (0700) or checks `path`, then takes its lock.
    init(path: String) throws(EmulatorError) {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        self.path = trimmed
        try StateDirectory.makeDirectories(trimmed)
        try StateDirectory.checkPrivate(trimmed)
        try StateDirectory.checkPrivateEntries(trimmed)
        let fd = open(trimmed + "/lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .system(operation: "open(\(trimmed)/lock)", errno: errno) }
        // A lock just released can still look held for a moment: a process that this program
        // is starting at that instant holds a copy of the lock's descriptor from fork until its
        // exec closes it (O_CLOEXEC), and the lock lasts as long as any copy. So a refusal is
        // believed only after it has lasted `lockGrace` milliseconds.
        var waited = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            if code == EWOULDBLOCK && waited < StateDirectory.lockGrace {
                usleep(20_000)
                waited += 20
                continue
            }
            close(fd)
            if code == EWOULDBLOCK { throw .stateDirectoryLocked(trimmed) }
            throw .system(operation: "flock(\(trimmed)/lock)", errno: code)
        }
        lockDescriptor = fd
    }

    deinit { unlock() }

    /// Releases the lock (also done when the value goes away).
    func unlock() {
        guard lockDescriptor >= 0 else { return }
        close(lockDescriptor)
        lockDescriptor = -1
    }

    /// `DIR/control.sock`.
    var controlSocketPath: String { path + "/control.sock" }

    /// The directory of the token with bus id `busid`, created 0700 if needed.
    func tokenDirectory(_ busid: String) throws(EmulatorError) -> String {
        let directory = path + "/" + busid
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw .system(operation: "mkdir(\(directory))", errno: errno)
        }
        try StateDirectory.checkPrivate(directory)
        try StateDirectory.checkPrivateEntries(directory)
        return directory
    }

    /// `mkdir -p` with mode 0700 for what it creates.
    static func makeDirectories(_ path: String) throws(EmulatorError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw .system(operation: "mkdir(\(prefix))", errno: errno)
            }
        }
    }

    /// Refuses a directory that is not ours or that group or others can access.
    static func checkPrivate(_ path: String) throws(EmulatorError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw .system(operation: "stat(\(path))", errno: errno) }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw .badConfiguration("state directory \(path) is not a directory")
        }
        guard info.st_uid == geteuid() else { throw .foreignStateDirectory(path) }
        guard info.st_mode & 0o077 == 0 else { throw .unsafeStateDirectory(path) }
    }

    /// Refuses a directory holding an entry that is not ours or that group or others can access:
    /// an NVM image or `factory-secrets` copied in with a wider mode would be readable by others
    /// as soon as the directory is opened up. Entries are checked with `lstat`, so a symbolic
    /// link (mode 0777) is refused too.
    static func checkPrivateEntries(_ path: String) throws(EmulatorError) {
        guard let directory = opendir(path) else { throw .system(operation: "opendir(\(path))", errno: errno) }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != ".", name != ".." else { continue }
            let child = path + "/" + name
            var info = stat()
            guard lstat(child, &info) == 0 else { continue }  // removed since readdir
            let isDirectory = info.st_mode & S_IFMT == S_IFDIR
            guard info.st_uid == geteuid() else {
                throw isDirectory ? .foreignStateDirectory(child) : .foreignStateFile(child)
            }
            guard info.st_mode & 0o077 == 0 else {
                throw isDirectory ? .unsafeStateDirectory(child) : .unsafeStateFile(child)
            }
        }
    }
}
