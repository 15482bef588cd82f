import Foundation
import Synchronization

/// A private PostgreSQL cluster for the tests: `initdb` into a temporary directory, `pg_ctl
/// start` listening only on a unix socket in it (no TCP), run as the `postgres` system user
/// (PostgreSQL refuses root). The directory is `0700` and owned by `postgres`, so no other user
/// reaches the socket. One cluster serves the whole test process (each test makes its own
/// database); it stops (`pg_ctl stop -m immediate`) and is removed at exit, and a watchdog
/// process does the same if the test process dies without exiting (a crash, SIGKILL).
/// Without Debian's `postgresql` package the tests that need it fail, naming it.
public final class PostgresCluster: Sendable {
    public let root: String
    public let socketDirectory: String
    private let bin: String
    private let databases = Atomic<Int>(0)

    public static let shared: Result<PostgresCluster, PostgresClusterError> = {
        do {
            let cluster = try PostgresCluster()
            atexit { if case .success(let cluster) = PostgresCluster.shared { cluster.stop() } }
            return .success(cluster)
        } catch let error as PostgresClusterError {
            return .failure(error)
        } catch {
            return .failure(PostgresClusterError(message: "\(error)"))
        }
    }()

    /// A new empty database on the shared cluster: its `postgresql://` URL (unix socket form).
    public static func makeDatabase() throws -> String {
        let cluster = try shared.get()
        let name = "bank\(getpid())_\(cluster.databases.add(1, ordering: .relaxed).newValue)"
        try cluster.run(cluster.bin + "/createdb", ["-h", cluster.socketDirectory, "-U", "postgres", name])
        return "postgresql://postgres@/\(name)?host=\(cluster.socketDirectory)"
    }

    private init() throws {
        guard let bin = Self.binDirectory() else {
            throw PostgresClusterError(message: "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: install Debian's postgresql (make deps)")
        }
        self.bin = bin
        guard getpwnam("postgres") != nil else { throw PostgresClusterError(message: "no postgres system user: install Debian's postgresql (make deps)") }
        var template = Array("/tmp/ukey-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw PostgresClusterError(message: "mkdtemp: \(errno)") }
        root = String(cString: made)
        socketDirectory = root + "/sock"
        try run("/bin/chown", ["postgres:postgres", root])
        unlink(root + "/command.log")
        chmod(root, 0o700)
        try run("/usr/sbin/runuser", ["-u", "postgres", "--", "mkdir", "-m", "0700", socketDirectory])
        startWatchdog()
        do {
            try run("/usr/sbin/runuser", ["-u", "postgres", "--", bin + "/initdb", "-D", root + "/data", "-A", "trust", "-U", "postgres",
                                          "--no-sync", "-E", "UTF8"])
            try run("/usr/sbin/runuser", ["-u", "postgres", "--", bin + "/pg_ctl", "-D", root + "/data", "-l", root + "/server.log",
                                          "-o", "-k \(socketDirectory) -c listen_addresses='' -c max_connections=200", "-w", "start"])
        } catch {
            stop()
            throw error
        }
    }

    /// `pg_ctl stop -m immediate`, then the directory goes.
    func stop() {
        _ = try? run("/usr/sbin/runuser", ["-u", "postgres", "--", bin + "/pg_ctl", "-D", root + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: root)
    }

    /// A shell that waits for this process to go, then stops the cluster and removes it.
    private func startWatchdog() {
        let script = """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            [ -d '\(root)/data' ] && runuser -u postgres -- '\(bin)/pg_ctl' -D '\(root)/data' -m immediate -w stop >/dev/null 2>&1
            rm -rf '\(root)'
            """
        _ = try? spawn("/usr/bin/setsid", ["/bin/sh", "-c", script], output: "/dev/null")
    }

    private static func binDirectory() -> String? {
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).compactMap(Int.init).sorted()
        return versions.reversed().map { "\(base)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: $0 + "/pg_ctl") }
    }

    /// Runs `executable` to its end (posix_spawn + waitpid: no Foundation `Process`, whose
    /// reaping stalls when the cooperative threads block), its output in a file of the cluster's.
    private func run(_ executable: String, _ arguments: [String]) throws {
        let log = root + "/command.log"
        let pid = try spawn(executable, arguments, output: log)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw PostgresClusterError(message: "\(executable) \(arguments.joined(separator: " ")) failed (status \(status)): \(text)")
        }
    }

    private func spawn(_ executable: String, _ arguments: [String], output: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard code == 0 else { throw PostgresClusterError(message: "posix_spawn \(executable): \(code)") }
        return pid
    }
}

public struct PostgresClusterError: Error, CustomStringConvertible {
    let message: String
    public var description: String { "private PostgreSQL cluster: \(message)" }
}
