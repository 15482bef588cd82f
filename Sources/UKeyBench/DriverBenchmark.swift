import Foundation
import UKeyTools
#if canImport(Glibc)
import Glibc
#endif

/// `## Driver vs stock libccid (umockdev)`: the same emulated token, presented as a live USB
/// device by umockdev (`Tests/UKeyDriverTests/Scripts/umockdev_token.py`, as `UMockdevTests`
/// does), driven in turn by our libifd-ukey.so and by a copy of Debian's libccid bundle that lists
/// 1209:0001, each loaded by a private pcscd's libudev hotplug; for each exchange mode (`apdu`,
/// `tpdu` with T=1, `tpdu-t0`). APDUs per second from pyscard sending GET CHALLENGE (Le 8) in a
/// loop (``timedLoop(environment:count:rounds:)``: the median of 5 timed runs). umockdev's
/// Python handler caps near 700 round trips per second, so both drivers are measured against
/// the same ceiling. With `--callgrind`, pcscd also runs under `valgrind --tool=callgrind
/// --toggle-collect=IFDHTransmitToICC` and the instructions each driver executes per APDU are
/// reported (independent of the machine's load).
enum DriverBenchmark {
    static let modes = ["apdu", "tpdu", "tpdu-t0"]
    static let select = "00A4040006F0554B455901"
    static let getChallenge = "0084000008"
    static let opensc = "/usr/bin/opensc-tool"
    static let python = "/usr/bin/python3"
    static let preload = "libumockdev-preload.so.0"
    static let libccidBundle = "/usr/lib/pcsc/drivers/ifd-ccid.bundle"
    static let sourceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var handlerScript: String { sourceRoot.appendingPathComponent("Tests/UKeyDriverTests/Scripts/umockdev_token.py").path }
    static var infoPlist: String { sourceRoot.appendingPathComponent("udev/ifd-ukey.bundle/Contents/Info.plist").path }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// What is missing to run the section, empty when nothing.
    static func missing(driver: String) -> [String] {
        let files = [opensc, python, "/usr/lib/x86_64-linux-gnu/" + preload, libccidBundle, handlerScript, infoPlist, driver,
                     PCSCDNamespace.pcscdPath, PCSCDNamespace.unsharePath]
        return files.filter { !FileManager.default.fileExists(atPath: $0) }
    }

    static func run(binary: String, callgrind: Bool) throws {
        print("\n## Driver vs stock libccid (umockdev)\n")
        let driver = URL(fileURLWithPath: binary).deletingLastPathComponent().appendingPathComponent("libifd-ukey.so").path
        let absent = missing(driver: driver)
        guard absent.isEmpty else {
            print("skipped: missing \(absent.joined(separator: ", "))")
            return
        }
        print("The same emulated token as a live USB device (umockdev), driven through a private pcscd by our")
        print("libifd-ukey.so and by stock libccid \(debianVersion("libccid")), in each exchange mode; the client sends")
        print("SELECT then GET CHALLENGE (Le 8): pyscard, APDU/s the median of 5 timed runs of 300 after 30 to warm up;")
        print("instructions per APDU from callgrind with collection only inside IFDHTransmitToICC (opensc-tool, 100 APDUs).\n")
        print("| exchange | our driver APDU/s | libccid APDU/s | ratio | our Ir/APDU | libccid Ir/APDU | ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for mode in modes {
            let ours: Result, stock: Result
            do {
                ours = try retrying { try measure(binary: binary, mode: mode, bundle: .ours(driver), callgrind: callgrind) }
                stock = try retrying { try measure(binary: binary, mode: mode, bundle: .libccid, callgrind: callgrind) }
            } catch {
                print("| \(mode) | failed: \(String(describing: error).prefix(300).replacingOccurrences(of: "\n", with: " ")) | | | | | |")
                continue
            }
            let rate = ours.rate / stock.rate
            var row = "| \(mode) | \(Measure.format(ours.rate, 0)) | \(Measure.format(stock.rate, 0)) | \(Measure.format(rate, 2))× |"
            if let a = ours.instructions, let b = stock.instructions {
                row += " \(Measure.format(a, 0)) | \(Measure.format(b, 0)) | \(Measure.format(a / b, 2))× |"
                Headlines.add("driver instructions per APDU, \(mode) (callgrind)", ratio: a / b,
                              reference: "stock libccid, same token", aim: ("≤ 1×", a <= b))
            } else {
                row += " – | – | – |"
            }
            print(row)
            Headlines.add("driver APDU/s through pcscd, \(mode) (umockdev)", ratio: rate,
                          reference: "stock libccid, same token", aim: ("≥ 1×", rate >= 1))
        }
    }

    enum Bundle {
        case ours(String)
        case libccid
    }

    struct Result {
        var rate: Double
        var instructions: Double?
    }

    /// One driver on `token`: a drivers directory with its bundle only, pcscd, two opensc-tool
    /// sessions; with `callgrind`, a third pcscd under callgrind for the instruction count.
    static func measure(binary: String, mode: String, bundle: Bundle, callgrind: Bool) throws -> Result {
        let directory = try BenchDirectory()
        defer { directory.remove() }
        let drivers = directory.file("drivers")
        try makeBundle(bundle, in: drivers)
        let rate = try withToken(binary: binary, mode: mode, directory: directory, drivers: drivers, wrapper: []) { environment in
            try timedLoop(environment: environment)
        }
        guard callgrind, FileManager.default.isExecutableFile(atPath: "/usr/bin/valgrind") else {
            return Result(rate: rate, instructions: nil)
        }
        let out = directory.file("callgrind-\(UUID().uuidString).out")
        let apdus = 100
        try withToken(binary: binary, mode: mode, directory: directory, drivers: drivers,
                      wrapper: ["/usr/bin/valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
                                "--toggle-collect=IFDHTransmitToICC", "--trace-children=no"]) { environment in
            _ = try session(count: apdus, environment: environment, timeout: 600)
        }
        // Every IFDHTransmitToICC of the run: SELECT, the APDUs, and what pcscd sent itself
        // (none for these readers), so per APDU over apdus + 1.
        // UKEY_BENCH_CALLGRIND_DIR keeps each callgrind file there, for callgrind_annotate.
        if let keep = ProcessInfo.processInfo.environment["UKEY_BENCH_CALLGRIND_DIR"] {
            let name: String
            switch bundle { case .ours: name = "ukey"; case .libccid: name = "libccid" }
            try? FileManager.default.copyItem(atPath: out, toPath: keep + "/callgrind.\(name).\(mode).out")
        }
        guard let total = callgrindTotal(out) else { return Result(rate: rate, instructions: nil) }
        return Result(rate: rate, instructions: total / Double(apdus + 1))
    }

    /// The `summary:` (or `totals:`) instruction count of a callgrind output file.
    static func callgrindTotal(_ path: String) -> Double? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("summary:") || line.hasPrefix("totals:") {
            if let value = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) { return value }
        }
        return nil
    }

    static func makeBundle(_ bundle: Bundle, in drivers: String) throws {
        let files = FileManager.default
        try files.createDirectory(atPath: drivers, withIntermediateDirectories: true)
        switch bundle {
        case .ours(let library):
            let contents = drivers + "/ifd-ukey.bundle/Contents"
            try files.createDirectory(atPath: contents + "/Linux", withIntermediateDirectories: true)
            try files.copyItem(atPath: infoPlist, toPath: contents + "/Info.plist")
            try files.copyItem(atPath: library, toPath: contents + "/Linux/libifd-ukey.so")
        case .libccid:
            let copy = drivers + "/ifd-ccid.bundle"
            try files.copyItem(atPath: libccidBundle, toPath: copy)
            let path = copy + "/Contents/Info.plist"
            var plist = try String(contentsOfFile: path, encoding: .utf8)
            for (key, value) in [("ifdVendorID", "0x1209"), ("ifdProductID", "0x0001"), ("ifdFriendlyName", "UKey Banking Token")] {
                guard let keyRange = plist.range(of: "<key>\(key)</key>"),
                      let arrayRange = plist.range(of: "<array>", range: keyRange.upperBound..<plist.endIndex) else {
                    throw Failure(description: "libccid's Info.plist has no \(key) array")
                }
                plist.insert(contentsOf: "\n\t\t<string>\(value)</string>", at: arrayRange.upperBound)
            }
            try plist.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    /// `body` once more when it fails the first time (a pcscd that missed the umockdev device).
    static func retrying<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { return try body() }
    }

    /// ``withPCSCD(token:drivers:directory:wrapper:_:)`` on a fresh token (its own emulator and
    /// umockdev testbed), stopped afterwards.
    @discardableResult
    static func withToken<T>(binary: String, mode: String, directory: BenchDirectory, drivers: String, wrapper: [String],
                             _ body: ([String: String]) throws -> T) throws -> T {
        let tokenDirectory = try BenchDirectory()
        defer { tokenDirectory.remove() }
        let token = try UMockdevBenchToken(binary: binary, exchange: mode, directory: tokenDirectory)
        defer { token.stop() }
        return try withPCSCD(token: token, drivers: drivers, directory: directory, wrapper: wrapper, body)
    }

    /// Runs `body` with the environment of a private pcscd (its drivers directory `drivers`,
    /// umockdev's preload), which it stops afterwards.
    @discardableResult
    static func withPCSCD<T>(token: UMockdevBenchToken, drivers: String, directory: BenchDirectory, wrapper: [String],
                             _ body: ([String: String]) throws -> T) throws -> T {
        let root = directory.file("pcscd-\(UUID().uuidString)")
        for sub in ["/run", "/conf"] { try FileManager.default.createDirectory(atPath: root + sub, withIntermediateDirectories: true) }
        var namespace = PCSCDNamespace(socketDirectory: root + "/run", configDirectory: root + "/conf", logPath: root + "/pcscd.log")
        namespace.bindMounts = [.drivers(drivers)]
        namespace.daemonEnvironment = token.preloadEnvironment
        namespace.wrapper = wrapper
        let process: ProcessGroup
        do {
            process = try namespace.start(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw Failure(description: "pcscd did not start: \(error)")
        }
        defer { process.stop() }
        guard case .answering = namespace.waitUntilAnswering(process, timeout: wrapper.isEmpty ? 15 : 120) else {
            throw Failure(description: "pcscd did not answer: \((try? String(contentsOfFile: root + "/pcscd.log", encoding: .utf8)) ?? "")")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["PCSCLITE_CSOCK_NAME"] = namespace.socketPath
        let deadline = Date().addingTimeInterval(wrapper.isEmpty ? 15 : 120)
        while true {
            let listing = try BenchCommand.run([opensc, "-l"], environment: environment, timeout: 60)
            if listing.output.contains("UKey Banking Token") { break }
            guard Date() < deadline else {
                throw Failure(description: "no reader within the deadline:\n\(listing.output)\n"
                              + ((try? String(contentsOfFile: root + "/pcscd.log", encoding: .utf8)) ?? ""))
            }
            usleep(100_000)
        }
        return try body(environment)
    }

    /// pyscard in one process: connect, SELECT, 30 GET CHALLENGE to warm up, then `rounds` runs
    /// of `count` GET CHALLENGE each timed alone (monotonic clock); the median run's APDUs per
    /// second. Only SCardTransmit is timed: no process start-up, connect or power-up.
    static func timedLoop(environment: [String: String], count: Int = 300, rounds: Int = 5) throws -> Double {
        let script = """
            import sys, time
            from smartcard import scard
            r, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            r, readers = scard.SCardListReaders(ctx, [])
            name = [n for n in readers if "UKey Banking Token" in n][0]
            r, card, proto = scard.SCardConnect(ctx, name, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
            assert r == 0, hex(r)
            scard.SCardTransmit(card, proto, list(bytes.fromhex("\(select)")))
            apdu = list(bytes.fromhex("\(getChallenge)"))
            def run(n):
                for _ in range(n):
                    r, resp = scard.SCardTransmit(card, proto, apdu)
                    assert r == 0 and len(resp) == 10 and resp[-2:] == [0x90, 0x00], (hex(r), resp)
            run(30)
            rates = []
            for _ in range(\(rounds)):
                t = time.monotonic(); run(\(count)); rates.append(\(count) / (time.monotonic() - t))
            rates.sort()
            print("RATE %.1f" % rates[len(rates) // 2])
            """
        let result = try BenchCommand.run([python, "-c", script], environment: environment, timeout: 300)
        guard let line = result.output.split(separator: "\n").first(where: { $0.hasPrefix("RATE ") }),
              let rate = Double(line.dropFirst(5)) else {
            throw Failure(description: "the pyscard loop failed:\n\(result.output.suffix(2000))")
        }
        return rate
    }

    /// One opensc-tool session: SELECT then `count` GET CHALLENGE; how long it took.
    static func session(count: Int, environment: [String: String], timeout: Double = 120) throws -> (seconds: Double, answered: Int) {
        let arguments = [opensc, "-r", "0", "-c", "default", "-s", select] + Array(repeating: ["-s", getChallenge], count: count).flatMap { $0 }
        let started = Date()
        let result = try BenchCommand.run(arguments, environment: environment, timeout: timeout)
        let seconds = Date().timeIntervalSince(started)
        let answered = result.output.components(separatedBy: "SW1=0x90, SW2=0x00").count - 1
        guard answered >= count else {
            throw Failure(description: "\(answered) of \(count) GET CHALLENGE answered 9000:\n\(result.output.suffix(2000))")
        }
        return (seconds, answered)
    }

    static func debianVersion(_ package: String) -> String {
        (try? BenchCommand.run(["/usr/bin/dpkg-query", "-W", "-f", "${Version}", package], environment: [:], timeout: 10).output) ?? "?"
    }
}

/// `ukey emulator run --exchange MODE` and the umockdev handler that presents its token as
/// /dev/bus/usb/001/002 (the test suite's `UMockdevToken`, for the benchmark).
final class UMockdevBenchToken {
    let emulator: ProcessGroup
    let handler: ProcessGroup
    let testbedRoot: String

    init(binary: String, exchange: String, directory: BenchDirectory) throws {
        var environment = ProcessInfo.processInfo.environment
        environment["UKEY_FACTORY_PIN"] = "123456"
        environment["UKEY_FACTORY_PUK"] = "12345678"
        let emulatorLog = directory.file("emulator.log"), handlerLog = directory.file("handler.log")
        emulator = try ProcessGroup(arguments: [binary, "emulator", "run", "--listen", "127.0.0.1:0", "--state", directory.file("state"),
                                                "--confirm", "approve", "--exchange", exchange],
                                    environment: environment, logPath: emulatorLog)
        do {
            let address = try Self.waitForLine(in: emulatorLog, prefix: "ukey emulator: usbip listening on ", alive: emulator)
            handler = try ProcessGroup(arguments: [DriverBenchmark.python, DriverBenchmark.handlerScript, address, "1-1"],
                                       environment: ProcessInfo.processInfo.environment, logPath: handlerLog)
        } catch {
            emulator.stop()
            throw error
        }
        do {
            testbedRoot = try Self.waitForLine(in: handlerLog, prefix: "UMOCKDEV_DIR=", alive: handler)
            _ = try Self.waitForLine(in: handlerLog, prefix: "ready", alive: handler)
        } catch {
            handler.stop()
            emulator.stop()
            throw error
        }
    }

    var preloadEnvironment: [String: String] { ["UMOCKDEV_DIR": testbedRoot, "LD_PRELOAD": DriverBenchmark.preload] }

    func stop() {
        handler.stop()
        emulator.stop()
    }

    static func waitForLine(in path: String, prefix: String, alive process: ProcessGroup, timeout: Double = 30) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") where line.hasPrefix(prefix) { return String(line.dropFirst(prefix.count)) }
            guard process.isRunning else { throw DriverBenchmark.Failure(description: "exited before printing \(prefix):\n\(text)") }
            usleep(20_000)
        }
        throw DriverBenchmark.Failure(description: "no line \(prefix) in \(path) within \(timeout) s")
    }
}

/// A command run to its end with a deadline; its standard output and error together.
enum BenchCommand {
    static func run(_ arguments: [String], environment: [String: String], timeout: Double) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        killer.cancel()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
