import Foundation
import PCSCTestSupport
import Testing
import UKeyEmulator
import UKeyTools
#if canImport(Glibc)
import Glibc
#endif

/// `ukey pcscd start|env|stop` and `ukey driver install [--uninstall]` as a user runs them: the
/// built binary, against an in-process emulator and a temporary directory.
@Suite("ukey pcscd and ukey driver install", .serialized, .enabled(if: PCSCDClient.available))
struct PCSCDCommandLineTests {
    func ukey(_ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TestProcess.Output {
        try TestProcess.run([try EmulatorProcess.binary().path] + arguments, environment: environment, timeout: 60)
    }

    @Test("ukey pcscd start finds the emulator's tokens, env points opensc-tool at it, stop ends exactly that pcscd")
    func pcscdStartEnvStop() async throws {
        try await withEmulator({ $0.tokens = 2 }) { emulator in
            let directory = emulator.directory.file("pcscd")
            let stop = { _ = try? self.ukey(["pcscd", "stop", "--dir", directory]) }
            defer { stop() }
            let started = Date()
            let start = try ukey(["pcscd", "start", "--dir", directory, "--state", emulator.emulator.stateDirectory,
                                  "--driver", PCSCDClient.driverLibrary!, "--trace"])
            print("ukey pcscd start returned after \(Date().timeIntervalSince(started)) s")
            try #require(start.status == 0, "start succeeds:\n\(start)")
            #expect(PCSCDHarness.socketAnswers(directory + "/run/pcscd.comm"), "start returns once the socket answers")

            let env = try ukey(["pcscd", "env", "--dir", directory])
            #expect(env.stdout == "export PCSCLITE_CSOCK_NAME=\(directory)/run/pcscd.comm\n")
            let socket = String(env.stdout.dropFirst("export PCSCLITE_CSOCK_NAME=".count).dropLast())
            var environment = ProcessInfo.processInfo.environment
            environment["PCSCLITE_CSOCK_NAME"] = socket
            var listing = ""
            for _ in 0..<50 {
                listing = try TestProcess.run(["/usr/bin/opensc-tool", "-l"], environment: environment).stdout
                if listing.contains("UKey 1-1") && listing.contains("UKey 1-2") { break }
                usleep(100_000)
            }
            #expect(listing.contains("UKey 1-1") && listing.contains("UKey 1-2"), "one reader per token:\n\(listing)")
            // Token 1-k's reader is `UKey 1-k` + k−1 (one configuration file, entries in bus id
            // order): 1-1 is `UKey 1-1 00 00`. The SELECT goes through that pcscd to the token.
            let reader = "UKey 1-1 00 00"
            #expect(listing.contains(reader), "token 1-1's reader is named \(reader):\n\(listing)")
            let apdu = try TestProcess.run(["/usr/bin/opensc-tool", "-r", reader, "-c", "default", "-s", "00A4040006F0554B45590100"],
                                           environment: environment)
            #expect(apdu.status == 0 && apdu.stdout.contains("SW1=0x90, SW2=0x00"),
                    "opensc-tool's SELECT on \(reader) through this pcscd answers 9000:\n\(apdu)")
            let log = (try? String(contentsOfFile: directory + "/pcscd.log", encoding: .utf8)) ?? ""
            #expect(log.contains("ukey-driver"), "--trace puts the driver's trace in DIR/pcscd.log")

            let pidText = try String(contentsOfFile: directory + "/pcscd.pid", encoding: .utf8)
            let pid = try #require(pid_t(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(kill(pid, 0) == 0)
            let again = try ukey(["pcscd", "start", "--dir", directory, "--state", emulator.emulator.stateDirectory,
                                  "--driver", PCSCDClient.driverLibrary!])
            #expect(again.status != 0 && again.stderr.contains("already runs"), "a second start refuses:\n\(again)")

            let stopped = try ukey(["pcscd", "stop", "--dir", directory])
            #expect(stopped.stdout.contains("pcscd \(pid) stopped"), "\(stopped)")
            #expect(kill(pid, 0) != 0, "that pcscd is gone")
            #expect(!FileManager.default.fileExists(atPath: directory + "/pcscd.pid"), "stop removes the pid file")
            #expect(!PCSCDHarness.socketAnswers(directory + "/run/pcscd.comm"))
            let idle = try ukey(["pcscd", "stop", "--dir", directory])
            #expect(idle.stdout.contains("no pcscd of ours"), "stop with nothing running stops nothing")
        }
    }

    @Test("ukey pcscd start, stop, start in one directory: the second start succeeds and serves the readers (issue 15)")
    func pcscdRestartInItsDirectory() async throws {
        try await withEmulator { emulator in
            let directory = emulator.directory.file("pcscd")
            defer { _ = try? self.ukey(["pcscd", "stop", "--dir", directory]) }
            let start = ["pcscd", "start", "--dir", directory, "--state", emulator.emulator.stateDirectory,
                         "--driver", PCSCDClient.driverLibrary!]
            let first = try ukey(start)
            try #require(first.status == 0, "first start:\n\(first)")
            #expect(try ukey(["pcscd", "stop", "--dir", directory]).stdout.contains("stopped"))
            var info = stat()
            #expect(stat(directory, &info) == 0 && info.st_mode & 0o777 == 0o700, "pcscd left DIR 0700")
            let second = try ukey(start)
            try #require(second.status == 0, "the same directory starts again:\n\(second)")
            var environment = ProcessInfo.processInfo.environment
            environment["PCSCLITE_CSOCK_NAME"] = directory + "/run/pcscd.comm"
            var readers = try ukey(["readers"], environment: environment)
            for _ in 0..<50 where !readers.stdout.contains("UKey 1-1") {
                usleep(100_000)
                readers = try ukey(["readers"], environment: environment)
            }
            #expect(readers.status == 0 && readers.stdout.contains("UKey 1-1"), "the restarted pcscd serves the reader:\n\(readers)")
        }
    }

    @Test("relative paths (issue 15): an emulator on --listen unix:rel.sock, --state st, pcscd start/stop --dir pr from that directory")
    func relativePaths() throws {
        let work = try TemporaryDirectory()
        defer { work.remove() }
        let ukey = try EmulatorProcess.binary().path
        func run(_ arguments: [String], _ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TestProcess.Output {
            try TestProcess.run([ukey] + arguments, environment: environment, timeout: 60, currentDirectory: work.path)
        }
        let emulator = try EmulatorProcess(arguments: ["--state", "st", "--listen", "unix:rel.sock", "--confirm", "approve"],
                                           environment: EmulatorProcessTests.environment(work), listeners: 1, currentDirectory: work.path)
        defer { emulator.kill() }
        defer { _ = try? run(["pcscd", "stop", "--dir", "pr"]) }
        let start = try run(["pcscd", "start", "--dir", "pr", "--state", "st", "--driver", PCSCDClient.driverLibrary!])
        try #require(start.status == 0, "pcscd start --dir pr --state st:\n\(start)")
        let socket = work.file("pr") + "/run/pcscd.comm"
        #expect(start.stdout.contains(socket), "start names the absolute socket:\n\(start)")
        let config = try String(contentsOfFile: work.file("pr") + "/reader.conf.d/readers", encoding: .utf8)
        #expect(config.contains("DEVICENAME usbip:unix:\(work.file("rel.sock"))/1-1"), "the reader names the absolute socket:\n\(config)")

        var environment = ProcessInfo.processInfo.environment
        environment["PCSCLITE_CSOCK_NAME"] = socket
        var readers = try run(["readers"], environment)
        for _ in 0..<50 where !readers.stdout.contains("UKey token") {
            usleep(100_000)
            readers = try run(["readers"], environment)
        }
        #expect(readers.status == 0 && readers.stdout.contains("UKey 1-1") && readers.stdout.contains("UKey token"),
                "the reader on unix:rel.sock shows the token:\n\(readers)")

        let pid = try #require(pid_t(try String(contentsOfFile: work.file("pr") + "/pcscd.pid", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        let stop = try run(["pcscd", "stop", "--dir", "pr"])
        #expect(stop.stdout.contains("pcscd \(pid) stopped"), "stop --dir pr stops it:\n\(stop)")
        #expect(kill(pid, 0) != 0, "that pcscd is gone")
    }

    @Test("ukey pcscd start --driver checks the driver loads (dlopen, the IFDH symbols) before starting pcscd (issue 15)")
    func pcscdStartRefusesANonDriver() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pcscd = directory.file("p")
        defer { _ = try? ukey(["pcscd", "stop", "--dir", pcscd]) }
        // A shared library that loads but is no driver: the C library.
        let libc = try #require(["/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6", "/usr/lib64/libc.so.6"]
            .first { FileManager.default.fileExists(atPath: $0) })
        for (driver, reason) in [("/etc/hostname", "/etc/hostname is not a driver pcscd can load"),
                                 (libc, "is not an IFD handler: it lacks IFDHCreateChannelByName")] {
            let out = try ukey(["pcscd", "start", "--dir", pcscd, "--device", "usbip:127.0.0.1:9/1-1", "--driver", driver])
            #expect(out.status != 0 && out.stderr.contains(reason), "\(driver) is refused:\n\(out)")
            #expect(!FileManager.default.fileExists(atPath: pcscd + "/pcscd.pid") && !PCSCDHarness.socketAnswers(pcscd + "/run/pcscd.comm"),
                    "no pcscd was started for \(driver)")
        }
    }

    @Test("ukey pcscd start counts the readers pcscd announced, not the entries it wrote (issue 15)")
    func pcscdStartCountsAnnouncedReaders() async throws {
        try await withEmulator { emulator in
            let directory = emulator.directory.file("pcscd")
            defer { _ = try? self.ukey(["pcscd", "stop", "--dir", directory]) }
            let token = try #require(try PrivatePCSCD.emulatorDevices(stateDirectory: emulator.emulator.stateDirectory).first)
            let missing = String(token[..<token.lastIndex(of: "/")!]) + "/1-9"  // no such bus id: the import fails
            var out = try ukey(["pcscd", "start", "--dir", directory, "--device", token, "--device", missing,
                                "--driver", PCSCDClient.driverLibrary!])
            #expect(out.status == 0 && out.stdout.contains("with 1 reader(s)"), "one of two readers came up:\n\(out)")
            #expect(out.stderr.contains("1 of 2 device(s) have no reader"), "\(out)")
            let stopped = try ukey(["pcscd", "stop", "--dir", directory])
            #expect(stopped.status == 0 && stopped.stdout.contains("stopped"), "the first pcscd stops:\n\(stopped)")

            out = try ukey(["pcscd", "start", "--dir", directory, "--device", missing, "--driver", PCSCDClient.driverLibrary!])
            #expect(out.status != 0 && out.stderr.contains("pcscd announced no reader"), "no reader is a failure:\n\(out)")
            #expect(!FileManager.default.fileExists(atPath: directory + "/pcscd.pid"), "and leaves no pcscd")
        }
    }

    @Test("the emulator restarts under a running pcscd: the driver reconnects and the token is back within 3 s (issue 15)")
    func emulatorRestartUnderPCSCD() throws {
        let work = try TemporaryDirectory()
        defer { work.remove() }
        let ukey = try EmulatorProcess.binary().path
        let arguments = ["--state", work.file("st"), "--listen", "unix:" + work.file("usbip.sock"), "--confirm", "approve"]
        var emulator = try EmulatorProcess(arguments: arguments, environment: EmulatorProcessTests.environment(work), listeners: 1)
        defer { emulator.kill() }
        let directory = work.file("pr")
        defer { _ = try? TestProcess.run([ukey, "pcscd", "stop", "--dir", directory]) }
        let start = try TestProcess.run([ukey, "pcscd", "start", "--dir", directory, "--state", work.file("st"),
                                         "--driver", PCSCDClient.driverLibrary!, "--trace"])
        try #require(start.status == 0, "\(start)")
        var environment = ProcessInfo.processInfo.environment
        environment["PCSCLITE_CSOCK_NAME"] = directory + "/run/pcscd.comm"
        /// Seconds until `ukey readers` shows the token (nil: not within `limit`).
        func tokenShown(within limit: Double) throws -> Double? {
            let started = Date()
            while Date().timeIntervalSince(started) < limit {
                let readers = try TestProcess.run([ukey, "readers"], environment: environment, timeout: 10)
                if readers.stdout.contains("UKey token") { return Date().timeIntervalSince(started) }
                usleep(100_000)
            }
            return nil
        }
        try #require(try tokenShown(within: 10) != nil, "the token is shown before the restart")

        #expect(emulator.terminate() != nil, "the emulator stops")
        emulator = try EmulatorProcess(arguments: arguments, environment: EmulatorProcessTests.environment(work), listeners: 1)
        let back = try tokenShown(within: 3)
        let log = (try? String(contentsOfFile: directory + "/pcscd.log", encoding: .utf8)) ?? ""
        #expect(back != nil, "the token is back within 3 s of the restart; pcscd.log:\n\(log.suffix(3000))")
        let apdu = try TestProcess.run([ukey, "apdu", "00A4040006F0554B45590100"], environment: environment)
        #expect(apdu.status == 0 && apdu.stdout.contains("9000"), "the token answers after the restart:\n\(apdu)")
    }

    @Test("ukey pcscd start without readers fails with a message, and leaves nothing running")
    func pcscdStartWithoutEmulator() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let out = try ukey(["pcscd", "start", "--dir", directory.file("p"), "--state", directory.file("none")])
        #expect(out.status != 0 && out.stderr.contains("no emulator answers"), "\(out)")
    }

    @Test("ukey driver install --prefix writes the bundle, rule and reader.conf; --uninstall leaves exactly nothing")
    func driverInstallRoundTrip() throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let install = try ukey(["driver", "install", "--prefix", root.path, "--library", PCSCDClient.driverLibrary!,
                                "--reader", "usbip:127.0.0.1:3240/1-1", "--reader", "usbip:unix:/tmp/u.sock/1-2"])
        try #require(install.status == 0, "\(install)")
        let drop = DriverInstaller.usbDropDirectory()
        let bundle = root.path + drop + "/ifd-ukey.bundle/Contents"
        let files = FileManager.default
        #expect(files.contentsEqual(atPath: bundle + "/Linux/libifd-ukey.so", andPath: PCSCDClient.driverLibrary!))
        let plist = try String(contentsOfFile: bundle + "/Info.plist", encoding: .utf8)
        #expect(plist.contains("<string>0x1209</string>") && plist.contains("<string>libifd-ukey.so</string>"))
        #expect(files.fileExists(atPath: root.file("etc/udev/rules.d/92-ukey.rules")))
        let conf = try String(contentsOfFile: root.file("etc/reader.conf.d/ukey"), encoding: .utf8)
        #expect(conf.contains("DEVICENAME   usbip:unix:/tmp/u.sock/1-2"))
        #expect(conf.contains("LIBPATH      \(drop)/ifd-ukey.bundle/Contents/Linux/libifd-ukey.so"), "LIBPATH has no prefix")

        let uninstall = try ukey(["driver", "install", "--prefix", root.path, "--uninstall"])
        #expect(uninstall.status == 0)
        #expect(try files.contentsOfDirectory(atPath: root.path).isEmpty, "nothing left behind: \(uninstall.stdout)")
    }

    @Test("ukey driver install --device VVVV:PPPP (repeatable) adds each device to the bundle's hot-plug list and the udev rule; a malformed ID is refused and writes nothing")
    func driverInstallDevices() throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let install = try ukey(["driver", "install", "--prefix", root.path, "--library", PCSCDClient.driverLibrary!,
                                "--device", "08e6:4433", "--device", "076B:3021", "--device", "08e6:4433", "--device", "1209:0001"])
        try #require(install.status == 0, "\(install)")
        let bundle = root.path + DriverInstaller.usbDropDirectory() + "/ifd-ukey.bundle/Contents"
        let plist = try String(contentsOfFile: bundle + "/Info.plist", encoding: .utf8)
        // pcscd matches ifdVendorID[i], ifdProductID[i], ifdFriendlyName[i]: the three arrays in step.
        #expect(Self.array("ifdVendorID", in: plist) == ["0x1209", "0x08e6", "0x076b"], "\(plist)")
        #expect(Self.array("ifdProductID", in: plist) == ["0x0001", "0x4433", "0x3021"])
        #expect(Self.array("ifdFriendlyName", in: plist) == ["UKey Banking Token", "CCID reader 08e6:4433", "CCID reader 076b:3021"])
        let data = try #require(FileManager.default.contents(atPath: bundle + "/Info.plist"))
        #expect((try? PropertyListSerialization.propertyList(from: data, format: nil)) != nil, "still a valid property list")
        let rules = try String(contentsOfFile: root.file("etc/udev/rules.d/92-ukey.rules"), encoding: .utf8)
        #expect(rules.contains("ATTR{idVendor}==\"08e6\", ATTR{idProduct}==\"4433\", TEST==\"power/control\""))
        #expect(rules.contains("ATTR{idVendor}==\"076b\", ATTR{idProduct}==\"3021\""))
        #expect(rules.range(of: "076b")!.lowerBound < rules.range(of: "LABEL=\"ukey_rules_end\"")!.lowerBound)
        _ = try ukey(["driver", "install", "--prefix", root.path, "--uninstall"])

        for bad in ["08e6", "08e6:44330", "xyz1:0001", "0000:0001", "08e6-4433"] {
            let refused = try ukey(["driver", "install", "--prefix", root.path, "--library", PCSCDClient.driverLibrary!, "--device", bad])
            #expect(refused.status != 0 && refused.stderr.contains("--device \(bad): expected VVVV:PPPP"), "\(bad): \(refused)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).isEmpty, "\(bad): nothing written")
        }
    }

    /// The `<string>` values of the array after `<key>KEY</key>`.
    static func array(_ key: String, in plist: String) -> [String] {
        guard let start = plist.range(of: "<key>\(key)</key>"),
              let end = plist.range(of: "</array>", range: start.upperBound..<plist.endIndex) else { return [] }
        return plist[start.upperBound..<end.lowerBound].components(separatedBy: "<string>").dropFirst()
            .map { String($0.prefix { $0 != "<" }) }
    }
}
