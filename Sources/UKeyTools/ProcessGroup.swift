import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process that leads a process group of its own (`posix_spawn` with
/// `POSIX_SPAWN_SETPGROUP`, or `POSIX_SPAWN_SETSID` for a daemon that outlives us), so that
/// stopping it signals the whole group: nothing it started outlives it. Also names a group
/// started by another process (``init(existing:)``: `ukey pcscd stop`).
package final class ProcessGroup: @unchecked Sendable {
    /// The child's pid, which is also the group id.
    package let pid: pid_t
    private let lock = NSLock()
    private var exitStatus: Int32? = nil
    /// A daemon (``init(arguments:environment:logPath:newSession:)`` with `newSession`) or another
    /// process's group is left running when this object goes; a plain child group is stopped.
    private let stopsOnDeinit: Bool

    /// glibc's `POSIX_SPAWN_SETSID` (spawn.h, 0x80), which Swift's Glibc module does not import.
    private static let spawnSetSID: Int32 = 0x80

    /// Starts `arguments[0]` (an absolute path) with `environment`; stdin is /dev/null and stdout +
    /// stderr are appended to `logPath`. `newSession`: a session of its own (a daemon), and no
    /// descriptor above 2 inherited (whoever waits for our output would otherwise wait for it).
    package init(arguments: [String], environment: [String: String], logPath: String,
                 newSession: Bool = false) throws(PrivatePCSCDError) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        if newSession { ProcessGroup.closeInheritedDescriptors(&actions) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if !newSession { posix_spawnattr_setpgroup(&attributes, 0) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        let group = newSession ? ProcessGroup.spawnSetSID : Int32(POSIX_SPAWN_SETPGROUP)
        posix_spawnattr_setflags(&attributes, Int16(group | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let status = posix_spawn(&child, arguments[0], &actions, &attributes, argv, envp)
        guard status == 0 else { throw PrivatePCSCDError("cannot start \(arguments[0]): \(String(cString: strerror(status)))") }
        pid = child
        stopsOnDeinit = !newSession
    }

    deinit {
        if stopsOnDeinit { stop() }
    }

    /// A group that another process started (not our child: it is never reaped here).
    package init(existing pid: pid_t) {
        self.pid = pid
        stopsOnDeinit = false
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

    /// Whether the leader is still running (reaps it once it has exited, if it is our child).
    package var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return !reap(block: false)
    }

    /// SIGTERM to the group, SIGKILL to what is left once the leader exits or after `grace`
    /// seconds, then reaps the leader. Idempotent.
    package func stop(grace: Double = 3) {
        lock.lock()
        defer { lock.unlock() }
        guard !reap(block: false) else { return }
        kill(-pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline {
            if reap(block: false) {
                kill(-pid, SIGKILL)  // anything left in the group
                return
            }
            usleep(10_000)
        }
        kill(-pid, SIGKILL)
        _ = reap(block: true)
    }

    /// Whether the leader has exited: `waitpid` for our child; for another process's (ECHILD),
    /// whether it still exists. Caller holds `lock`.
    private func reap(block: Bool) -> Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        let result = waitpid(pid, &status, block ? 0 : WNOHANG)
        if result == pid {
            exitStatus = status
        } else if result < 0 && errno == ECHILD && kill(pid, 0) != 0 {
            exitStatus = -1
        }
        return exitStatus != nil
    }
}
