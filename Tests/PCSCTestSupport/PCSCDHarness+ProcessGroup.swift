import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension PCSCDHarness {
    /// A child process started in a process group of its own (`posix_spawn` with
    /// `POSIX_SPAWN_SETPGROUP`), so that stopping it signals the whole group: nothing it
    /// started outlives the test.
    public final class ProcessGroup: @unchecked Sendable {
        /// The child's pid, which is also the group id.
        public let pid: pid_t
        private let lock = NSLock()
        private var exitStatus: Int32? = nil

        /// Starts `arguments[0]` (an absolute path) with `environment`; stdin is /dev/null and
        /// stdout + stderr go to `logPath`.
        public init(arguments: [String], environment: [String: String], logPath: String) throws {
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)

            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            posix_spawnattr_setpgroup(&attributes, 0)
            var defaults = sigset_t()
            sigemptyset(&defaults)
            for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP] { sigaddset(&defaults, signal) }
            posix_spawnattr_setsigdefault(&attributes, &defaults)
            var empty = sigset_t()
            sigemptyset(&empty)
            posix_spawnattr_setsigmask(&attributes, &empty)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

            let argv = arguments.map { strdup($0) } + [nil]
            let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer {
                argv.forEach { free($0) }
                envp.forEach { free($0) }
            }
            var child: pid_t = 0
            let status = posix_spawn(&child, arguments[0], &actions, &attributes, argv, envp)
            guard status == 0 else {
                throw PCSCDHarnessError("posix_spawn \(arguments[0]): \(String(cString: strerror(status)))")
            }
            pid = child
        }

        deinit {
            stop()
        }

        /// Whether the child is still running (reaps it once it has exited).
        public var isRunning: Bool {
            lock.lock()
            defer { lock.unlock() }
            return reap(block: false) == nil
        }

        /// SIGTERM to the group, SIGKILL after `grace` seconds, then reaps the child. Idempotent.
        public func stop(grace: Double = 3) {
            lock.lock()
            defer { lock.unlock() }
            guard reap(block: false) == nil else { return }
            kill(-pid, SIGTERM)
            let deadline = Date().addingTimeInterval(grace)
            while Date() < deadline {
                if reap(block: false) != nil {
                    kill(-pid, SIGKILL)  // anything left in the group
                    return
                }
                usleep(10_000)
            }
            kill(-pid, SIGKILL)
            _ = reap(block: true)
        }

        /// `waitpid` on the child; its status once it has exited. Caller holds `lock`.
        private func reap(block: Bool) -> Int32? {
            if let exitStatus { return exitStatus }
            var status: Int32 = 0
            let result = waitpid(pid, &status, block ? 0 : WNOHANG)
            if result == pid || (result < 0 && errno == ECHILD) {
                exitStatus = status
            }
            return exitStatus
        }
    }
}
