import Foundation
import PCSCTestSupport
import Testing
import UKeyControl
import UKeyEmulator
#if canImport(Glibc)
import Glibc
#endif

/// Issue 7: what another local user (uid 65534, see ``LocalAttacker``) cannot do to a running
/// emulator: press its buttons, import its tokens, reach its TCP listener from another host
/// unless asked, read its state, or take over the directory of a private pcscd. (No PIN or key
/// bytes in logs: ``TraceLeakTests``.)
@Suite("A local attacker cannot …", .serialized, .enabled(if: LocalAttacker.available), .tags(.process))
struct LocalAttackerTests {
    static let transfer = [UInt8](hex: "704F80164445383933373034303034343035333230313330303081095A68616E672053616E8207313233342E35368303434E59840A496E766F696365203432851000112233445566778899AABBCCDDEEFF")!

    @Test("press OK for someone else: refused by the state directory's mode, the socket's mode, then SO_PEERCRED")
    func pressForSomeoneElse() async throws {
        try await offPool { check in
            let attacker = try LocalAttacker()
            defer { attacker.remove() }
            let runs = try attacker.precondition()
            try check.require(runs.ok, "uid 65534 can run its copy of ukey:\n\(runs.output)")
            let harness = try EmulatorHarness { $0.confirmation = .external }
            defer { harness.stop() }
            // A CONFIRM TRANSFER waits for the holder's OK.
            let client = try harness.importedClient()
            _ = try client.powerOn()
            try CCIDOverUSBIPTests.personalize(client) { try CCIDOverUSBIPTests.pressOK(harness) }
            let events = try harness.events()
            let answer = PendingTransmit(client: client, apdu: [0x80, 0xC0, 0x00, 0x00, UInt8(Self.transfer.count)] + Self.transfer + [0x00])
            while try check.require(try events.nextEvent(timeout: 60), "a waiting event").kind.name != "waiting" {}
            func stillWaiting() throws -> Bool {
                try harness.status().tokens.first?.waiting == true
            }

            let state = harness.directory.file("state"), socket = harness.emulator.controlSocketPath
            let press = ["emulator", "press", "ok", "--state", state, "--token", "1-1"]
            let request = Array(#"{"op":"press","token":"1-1","button":"ok"}"#.utf8) + [0x0A]
            // The test's own directory is opened for traversal, as a home directory often is.
            chmod(harness.directory.path, 0o711)

            // 1. As the emulator made it: the state directory is 0700.
            var info = stat()
            check.expect(stat(state, &info) == 0 && info.st_mode & 0o777 == 0o700)
            var cli = try attacker.ukey(press)
            check.expect(cli.status != 0 && cli.stderr.contains("Permission denied"), "the 0700 state directory refuses:\n\(cli)")
            check.expect(try attacker.connect(socket, send: request) == ["connect EACCES"])
            check.expect(try stillWaiting(), "nobody pressed OK")

            // 2. The state directory opened up after start-up: the socket's own mode 0600 refuses.
            chmod(state, 0o711)
            defer { chmod(state, 0o700) }
            check.expect(stat(socket, &info) == 0 && info.st_mode & 0o777 == 0o600, "control.sock is 0600")
            cli = try attacker.ukey(press)
            check.expect(cli.status != 0 && cli.stderr.contains("Permission denied"), "the 0600 socket refuses:\n\(cli)")
            check.expect(try attacker.connect(socket, send: request) == ["connect EACCES"])
            check.expect(try stillWaiting(), "nobody pressed OK")

            // 3. The socket opened up too: the connection is accepted, and SO_PEERCRED refuses it.
            chmod(socket, 0o666)
            defer { chmod(socket, 0o600) }
            cli = try attacker.ukey(press)
            check.expect(cli.status != 0 && cli.combined.contains("the control socket serves its owner only"),
                    "the peer's uid 65534 is refused:\n\(cli)")
            let direct = try attacker.connect(socket, send: request)
            check.expect(direct.first == "connected")
            let reply = direct.last.flatMap { $0.hasPrefix("reply ") ? [UInt8](hex: $0.dropFirst(6)) : nil }.map { String(decoding: $0, as: UTF8.self) }
            check.expect(reply?.contains(#""ok":false"#) == true && reply?.contains("serves its owner only") == true,
                    "a direct press gets the refusal: \(direct)")
            check.expect(try stillWaiting(), "nobody pressed OK")

            // The holder (the emulator's own user) can press OK: the transfer is signed.
            check.expect(try harness.control().request(.press(token: "1-1", button: .ok, once: false)).isOK)
            check.expect(answer.response(within: 30)?.suffix(2) == [0x90, 0x00], "CONFIRM TRANSFER signed after the owner's OK")
        }
    }

    @Test("import a token over the unix USB/IP socket: 0600, uid 65534 gets EACCES (and could import it at 0666)")
    func importOverUnixSocket() async throws {
        try await offPool { check in
            let attacker = try LocalAttacker()
            defer { attacker.remove() }
            let harness = try EmulatorHarness()
            defer { harness.stop() }
            let socket = harness.directory.file("usbip.sock")
            chmod(harness.directory.path, 0o711)
            var info = stat()
            check.expect(stat(socket, &info) == 0 && info.st_mode & 0o777 == 0o600, "the USB/IP unix listener is 0600")
            // OP_REQ_IMPORT of 1-1: version 0111, code 8003, status 0, busid (32 bytes).
            let request: [UInt8] = [0x01, 0x11, 0x80, 0x03, 0, 0, 0, 0] + Array("1-1".utf8) + [UInt8](repeating: 0, count: 29)
            check.expect(try attacker.connect(socket, send: request) == ["connect EACCES"])

            // The control: with the mode opened, the same attempt imports the token. So the 0600
            // mode is what stopped it.
            chmod(socket, 0o666)
            defer { chmod(socket, 0o600) }
            let opened = try attacker.connect(socket, send: request)
            check.expect(opened.first == "connected" && opened.last?.hasPrefix("reply 0111000300000000") == true,
                    "OP_REP_IMPORT status 0 through a 0666 socket: \(opened)")
        }
    }

    @Test("reach the TCP listener from another host: only a non-loopback --listen allows it, with a warning",
          arguments: [("127.0.0.1:0", false), ("0.0.0.0:0", true)])
    func tcpListener(listen: String, reachable: Bool) async throws {
        try await offPool { check in
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let process = try EmulatorProcess(arguments: ["--state", directory.file("state"), "--listen", listen],
                                              environment: EmulatorProcessTests.environment(directory), listeners: 1)
            defer { process.kill() }
            let port = try check.require(process.addresses.first?.split(separator: ":").last.flatMap { UInt16($0) })
            let warned = { process.errors.all.contains { $0.contains("warning") && $0.contains("reachable from other hosts") } }
            let deadline = Date().addingTimeInterval(reachable ? 5 : 0.5)
            while !warned() && Date() < deadline { usleep(20_000) }
            check.expect(warned() == reachable, "a warning on stderr exactly for a non-loopback address: \(process.errors.all)")
            check.expect(LocalAttacker.tcpConnectError(host: "127.0.0.1", port: port) == nil, "loopback reaches it")
            if let external = LocalAttacker.nonLoopbackIPv4() {
                let error = LocalAttacker.tcpConnectError(host: external, port: port)
                check.expect(reachable ? error == nil : error == ECONNREFUSED, "\(external):\(port) (as another host would): errno \(error ?? 0)")
            }
        }
    }

    @Test("reach the TCP listener by default: without --listen the emulator listens on 127.0.0.1:3240 only, no warning")
    func defaultListener() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // In a network namespace of its own, so that port 3240 is free whatever else runs here;
        // the 3 s run waits on a thread of its own, not on the tests' cooperative pool.
        let arguments = ["/usr/bin/unshare", "-n", "/usr/bin/timeout", "--preserve-status", "-s", "TERM", "3",
                         try EmulatorProcess.binary().path, "emulator", "run", "--state", directory.file("state")]
        let environment = EmulatorProcessTests.environment(directory)
        let out = try await PCSCTestStack.blocking { try TestProcess.run(arguments, environment: environment) }
        #expect(out.stdout.contains("usbip listening on 127.0.0.1:3240"), "\(out)")
        #expect(!out.stdout.contains("usbip listening on 0.0.0.0") && !out.stderr.contains("reachable from other hosts"), "\(out)")
    }

    @Test("read a token's state: the emulator refuses a state directory group or others can reach",
          arguments: [0o755, 0o750, 0o711, 0o701] as [mode_t])
    func unsafeStateDirectory(mode: mode_t) async throws {
        try await offPool { check in
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let state = directory.file("state")
            mkdir(state, 0o700)
            chmod(state, mode)
            let out = try Self.runEmulator(state: state, directory)
            check.expect(!out.timedOut && out.status != 0, "the emulator exits at once:\n\(out)")
            check.expect(out.stderr.contains("state directory \(state) is accessible by group or others; run: chmod 700 \(state)"), "\(out)")
        }
    }

    @Test("read a token's state: directories 0700, files 0600, a wider token directory or file is refused at start-up, uid 65534 reads nothing")
    func stateFiles() async throws {
        try await offPool { check in
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let state = directory.file("state")
            let emulator = try EmulatorProcess(arguments: ["--state", state, "--listen", "127.0.0.1:0", "--tokens", "2"],
                                               environment: EmulatorProcessTests.environment(directory), listeners: 1)
            check.expect(emulator.terminate() == 0)
            // Everything the emulator wrote: directories 0700, files 0600.
            let tree = try check.require(FileManager.default.subpaths(atPath: state))
            check.expect(tree.contains("1-1/nvm") && tree.contains("1-2/nvm"))
            for entry in tree {
                var info = stat()
                check.expect(lstat(state + "/" + entry, &info) == 0)
                let wanted: mode_t = info.st_mode & S_IFMT == S_IFDIR ? 0o700 : 0o600
                check.expect(info.st_mode & 0o777 == wanted, "\(entry) is \(String(info.st_mode & 0o777, radix: 8))")
            }

            // uid 65534 cannot read the NVM image: not through the 0700 directories, nor once they are opened.
            let attacker = try LocalAttacker()
            defer { attacker.remove() }
            chmod(directory.path, 0o711)
            check.expect(try attacker.run(["/bin/cat", state + "/1-1/nvm"]).stderr.contains("Permission denied"))
            chmod(state, 0o711)
            chmod(state + "/1-1", 0o711)
            check.expect(try attacker.run(["/bin/cat", state + "/1-1/nvm"]).stderr.contains("Permission denied"), "nvm is 0600")
            chmod(state, 0o700)

            // A token directory or an NVM image that others could read stops the start.
            var out = try Self.runEmulator(state: state, directory)
            check.expect(out.stderr.contains("state directory \(state)/1-1 is accessible by group or others"), "\(out)")
            chmod(state + "/1-1", 0o700)
            chmod(state + "/1-2/nvm", 0o644)
            out = try Self.runEmulator(state: state, directory)
            check.expect(!out.timedOut && out.status != 0)
            check.expect(out.stderr.contains("state file \(state)/1-2/nvm is accessible by group or others; run: chmod go= \(state)/1-2/nvm"), "\(out)")
        }
    }

    @Test("take over a private pcscd: `ukey pcscd start` refuses a directory another user made, or one open to others")
    func foreignPCSCDDirectory() async throws {
        try await offPool { check in
            let attacker = try LocalAttacker()
            defer { attacker.remove() }
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            chmod(directory.path, 0o1777)  // like /tmp, where the default /tmp/ukey-pcscd-$UID lives
            let ukey = try EmulatorProcess.binary().path, driver = try check.require(PCSCDClient.driverLibrary)
            func start(_ path: String) throws -> TestProcess.Output {
                defer { _ = try? TestProcess.run([ukey, "pcscd", "stop", "--dir", path]) }
                return try TestProcess.run([ukey, "pcscd", "start", "--dir", path, "--device", "usbip:127.0.0.1:9/1-1", "--driver", driver])
            }

            // uid 65534 makes the directory first (0777): it could swap reader.conf.d or the socket.
            let taken = directory.file("ukey-pcscd-0")
            try check.require(try attacker.run(["/bin/mkdir", "-m", "0777", taken]).status == 0)
            var out = try start(taken)
            check.expect(out.status != 0 && out.stderr.contains("\(taken) belongs to another user"), "\(out)")
            check.expect(!FileManager.default.fileExists(atPath: taken + "/reader.conf.d"), "nothing was written there")

            // Our own directory, but open to others.
            let open = directory.file("open")
            mkdir(open, 0o700)
            chmod(open, 0o777)
            out = try start(open)
            check.expect(out.status != 0 && out.stderr.contains("\(open) is accessible by group or others; run: chmod 700 \(open)"), "\(out)")
        }
    }

    @Test("reach a private pcscd: its socket lies in the owner's 0700 DIR, so uid 65534 gets EACCES; the owner lists the token (issue 15)")
    func privatePCSCDSocket() async throws {
        try await offPool { check in
            let attacker = try LocalAttacker()
            defer { attacker.remove() }
            let runs = try attacker.precondition()
            try check.require(runs.ok, "uid 65534 can run its copy of ukey:\n\(runs.output)")
            let harness = try EmulatorHarness()
            defer { harness.stop() }
            // The test's own directory is opened for traversal, as a home directory often is.
            chmod(harness.directory.path, 0o711)
            let ukey = try EmulatorProcess.binary().path, driver = try check.require(PCSCDClient.driverLibrary)
            let directory = harness.directory.file("pcscd"), socket = directory + "/run/pcscd.comm"
            defer { _ = try? TestProcess.run([ukey, "pcscd", "stop", "--dir", directory]) }
            let start = try TestProcess.run([ukey, "pcscd", "start", "--dir", directory, "--state", harness.emulator.stateDirectory,
                                             "--driver", driver])
            try check.require(start.status == 0, "\(start)")

            // pcscd opened its own socket directory and socket to everyone; DIR above them is 0700.
            var info = stat()
            check.expect(stat(socket, &info) == 0 && info.st_mode & 0o777 == 0o666, "pcscd made its socket 0666")
            check.expect(stat(directory, &info) == 0 && info.st_mode & 0o777 == 0o700, "DIR stays 0700")
            check.expect(try attacker.connect(socket) == ["connect EACCES"], "uid 65534 cannot connect")
            let readers = try attacker.run(["/usr/bin/env", "PCSCLITE_CSOCK_NAME=" + socket, attacker.ukey, "readers"])
            check.expect(readers.status != 0 && !readers.stdout.contains("UKey 1-1"), "uid 65534 sees no reader:\n\(readers)")

            // The owner connects and sees the token.
            check.expect(PCSCDHarness.socketAnswers(socket))
            var environment = ProcessInfo.processInfo.environment
            environment["PCSCLITE_CSOCK_NAME"] = socket
            var mine = try TestProcess.run([ukey, "readers"], environment: environment)
            for _ in 0..<50 where !mine.stdout.contains("UKey 1-1") {
                usleep(100_000)
                mine = try TestProcess.run([ukey, "readers"], environment: environment)
            }
            check.expect(mine.status == 0 && mine.stdout.contains("UKey 1-1"), "the owner lists the token:\n\(mine)")
        }
    }

    /// `ukey emulator run --state STATE --tokens 2` that must exit by itself within 20 s.
    static func runEmulator(state: String, _ directory: TemporaryDirectory) throws -> TestProcess.Output {
        try TestProcess.run([try EmulatorProcess.binary().path, "emulator", "run", "--state", state, "--tokens", "2",
                             "--listen", "unix:" + directory.file("usbip.sock")],
                            environment: EmulatorProcessTests.environment(directory), timeout: 20, throwOnTimeout: false)
    }
}
