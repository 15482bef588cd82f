import Foundation
import PCSCTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Issue 7's local attacker: another user on the same machine, played by uid/gid 65534 (nobody)
/// with no supplementary groups through `setpriv --reuid=65534 --regid=65534 --clear-groups`.
/// The tests run as root and drop to it for each attempt.
///
/// The attacker's copy of `ukey` lives in a 0755 directory of its own, so that the attempt
/// reaches the emulator whatever the permissions of the build folder: a refusal then comes
/// from what the test is about, never from an unreachable binary (``precondition()`` checks).
final class LocalAttacker {
    static let uid: uid_t = 65534
    static let setpriv = "/usr/bin/setpriv"

    /// Root (to drop privileges), setpriv and python3.
    static var available: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv)
            && FileManager.default.isExecutableFile(atPath: PCSCDClient.python)
    }

    /// The attacker's `ukey`.
    let ukey: String
    private let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        chmod(directory.path, 0o755)
        ukey = directory.file("ukey")
        // Copied by cp, not in this process: a child that another test spawns at that moment
        // would inherit the open file, and exec would fail with ETXTBSY while it lives.
        let copied = try TestProcess.run(["/bin/cp", try EmulatorProcess.binary().path, ukey])
        guard copied.status == 0 else { throw StackError("cp ukey: \(copied)") }
        chmod(ukey, 0o755)
    }

    func remove() { directory.remove() }

    /// Whether the attacker can run its `ukey` at all (`ukey --help` as uid 65534), with what it said.
    func precondition() throws -> (ok: Bool, output: String) {
        let out = try run([ukey, "--help"])
        return (out.status == 0, "\(out)")
    }

    /// `arguments` as uid 65534, with a minimal environment.
    func run(_ arguments: [String], timeout: Double = 30) throws -> TestProcess.Output {
        try TestProcess.run([Self.setpriv, "--reuid=\(Self.uid)", "--regid=\(Self.uid)", "--clear-groups"] + arguments,
                            environment: ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"], timeout: timeout)
    }

    /// `ukey ARGUMENTS` as uid 65534.
    func ukey(_ arguments: [String]) throws -> TestProcess.Output {
        try run([ukey] + arguments)
    }

    /// Connects to the unix socket at `path` as uid 65534 and, once connected, sends `bytes`
    /// and reads one reply. Returns "connect EACCES" (the errno's name) when connect fails,
    /// else "connected", then "send EPIPE" if the peer had closed already, and "reply HEX" (what
    /// the peer sent before closing; "reply " alone: nothing).
    func connect(_ path: String, send bytes: [UInt8]? = nil) throws -> [String] {
        let script = """
            import errno, socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(10)
            try:
                s.connect(sys.argv[1])
            except OSError as e:
                print("connect " + errno.errorcode.get(e.errno, str(e.errno)))
                sys.exit(0)
            print("connected")
            if len(sys.argv) > 2:
                try:
                    s.sendall(bytes.fromhex(sys.argv[2]))
                except OSError as e:
                    print("send " + errno.errorcode.get(e.errno, str(e.errno)))
                print("reply " + s.recv(65536).hex())
            """
        let out = try run([PCSCDClient.python, "-c", script, path] + (bytes.map { [$0.map { String(format: "%02x", $0) }.joined()] } ?? []))
        return out.stdout.split(separator: "\n").map(String.init)
    }

    /// Connects to TCP `host:port` from this process; nil when it connected, else the errno.
    static func tcpConnectError(host: String, port: UInt16) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0 ? nil : errno
    }

    /// An IPv4 address of this machine that is not loopback (how another host reaches it), if any.
    static func nonLoopbackIPv4() -> String? {
        var list: UnsafeMutablePointer<ifaddrs>? = nil
        guard getifaddrs(&list) == 0 else { return nil }
        defer { freeifaddrs(list) }
        var cursor = list
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, Int32(address.pointee.sa_family) == AF_INET,
                  entry.pointee.ifa_flags & UInt32(IFF_LOOPBACK) == 0,
                  entry.pointee.ifa_flags & UInt32(IFF_UP) != 0 else { continue }
            var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { inet in
                var raw = inet.pointee.sin_addr
                _ = inet_ntop(AF_INET, &raw, &buffer, socklen_t(buffer.count))
            }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return nil
    }
}
