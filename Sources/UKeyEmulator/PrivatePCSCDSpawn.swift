import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The process side of ``PrivatePCSCD``: a daemon child in a session (and process group) of its
/// own that outlives `ukey pcscd start`, and stopping that group.
enum PrivatePCSCDSpawn {
    /// glibc's `POSIX_SPAWN_SETSID` (spawn.h, 0x80), which Swift's Glibc module does not import.
    static let setsid: Int32 = 0x80

    /// `posix_spawn` with `POSIX_SPAWN_SETSID`; stdin /dev/null, stdout + stderr appended to `logPath`.
    static func spawnDetached(_ arguments: [String], environment: [String: String], logPath: String) throws(PrivatePCSCDError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else we hold open (a caller's pipes, Foundation's child-watch socket) may stay
        // open in the daemon: whoever waits for `ukey pcscd start` to finish would wait for pcscd.
        closeInheritedDescriptors(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(Self.setsid | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let status = posix_spawn(&child, arguments[0], &actions, &attributes, argv, envp)
        guard status == 0 else { throw PrivatePCSCDError("cannot start \(arguments[0]): \(String(cString: strerror(status)))") }
        return child
    }

    /// glibc 2.34's `posix_spawn_file_actions_addclosefrom_np(actions, 3)` (not imported into
    /// Swift: found with dlsym); without it, every open descriptor above 2 is marked close-on-exec.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
            return
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            guard let fd = Int32(name), fd > 2 else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    /// Whether `pid` runs (reaping it if it is our exited child).
    static func isAlive(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { return false }
        return kill(pid, 0) == 0
    }

    /// SIGTERM to the group `pid` leads, SIGKILL after `grace` seconds.
    static func stopGroup(_ pid: pid_t, grace: Double = 5) {
        kill(-pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline {
            if !isAlive(pid) {
                kill(-pid, SIGKILL)
                return
            }
            usleep(10_000)
        }
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }

    /// Whether a unix-domain socket at `path` accepts a connection.
    static func socketAnswers(_ path: String) -> Bool {
        guard let fd = try? POSIXSocket.connectUnix(path) else { return false }
        close(fd)
        return true
    }
}

/// Why `ukey pcscd` could not do what was asked; the message names the path and what to do.
public struct PrivatePCSCDError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
