import Foundation
import ISO7816
#if canImport(Glibc)
import Glibc
#endif

/// Issue 4's benchmark: the emulator (`ukey emulator run`, the binary next to ukey-bench) over
/// raw USB/IP and through stock vpcd + a private pcscd, each with a trivial APDU (GET DATA token
/// info) and RSA-1024 SIGN; start-up time to the first ATR; resident memory with 1, 100 and
/// 1,000 tokens. Every figure is printed next to its reference from the same run.
enum EmulatorBenchmark {
    struct Latency {
        var count: Int
        var perSecond: Double
        var p50: Double
        var p99: Double
    }

    static let select: [UInt8] = [0x00, 0xA4, 0x04, 0x0C, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]
    static let getData: [UInt8] = [0x00, 0xCA, 0x01, 0x00, 0x00]
    static let newPIN = "24681357"

    static func run(trivialCount: Int = 5_000, signCount: Int = 500) throws {
        guard let binary = BenchEmulator.binary() else {
            print("# Emulator: skipped (no `ukey` binary next to ukey-bench; build it: swift build -c release --product ukey)")
            return
        }
        let usbip = try rawUSBIP(binary: binary, trivialCount: trivialCount, signCount: signCount)
        let vpcd: (trivial: Latency, sign: Latency)?
        var vpcdNote: String? = BenchPCSCD.missing
        if vpcdNote == nil {
            do { vpcd = try throughVPCD(binary: binary, trivialCount: trivialCount / 2, signCount: signCount) } catch {
                vpcd = nil
                vpcdNote = "\(error)"
            }
        } else {
            vpcd = nil
        }
        print("")
        print("# Emulator APDU round trips (`ukey emulator run` process, one token)")
        print("| path | APDU | round trips | per second | p50 | p99 | p50 ratio to USB/IP GET DATA |")
        print("|---|---|---:|---:|---:|---:|---:|")
        let reference = usbip.trivial.p50
        func row(_ path: String, _ apdu: String, _ l: Latency) {
            print("| \(path) | \(apdu) | \(l.count) | \(Measure.format(l.perSecond)) | \(Measure.format(l.p50 * 1000, 3)) ms"
                  + " | \(Measure.format(l.p99 * 1000, 3)) ms | \(Measure.format(l.p50 / reference, 2)) |")
        }
        row("raw USB/IP, unix socket (reference)", "GET DATA", usbip.trivial)
        row("raw USB/IP, unix socket", "RSA-1024 SIGN", usbip.sign)
        if let vpcd {
            row("pyscard → pcscd → vpcd → emulator", "GET DATA", vpcd.trivial)
            row("pyscard → pcscd → vpcd → emulator", "RSA-1024 SIGN", vpcd.sign)
        } else {
            print("")
            print("vpcd + pcscd: skipped (\(vpcdNote ?? "unknown"))")
        }

        let startup = try startupToATR(binary: binary, runs: 10)
        print("")
        print("# Emulator start-up: process start → connect → OP_REQ_IMPORT → IccPowerOn → ATR (median of \(startup.samples.count))")
        print("| measurement | median | min | max | ratio to `ukey --help` |")
        print("|---|---:|---:|---:|---:|")
        func ms(_ seconds: Double) -> String { Measure.format(seconds * 1000, 1) + " ms" }
        let help = Measure.median(startup.help)
        print("| `ukey --help` (reference: process start of the same binary) | \(ms(help)) | \(ms(startup.help.min()!))"
              + " | \(ms(startup.help.max()!)) | 1.00 |")
        print("| first ATR, existing state (aim < 50 ms) | \(ms(Measure.median(startup.samples))) | \(ms(startup.samples.min()!))"
              + " | \(ms(startup.samples.max()!)) | \(Measure.format(Measure.median(startup.samples) / help, 2)) |")
        print("| first ATR, first start (creates the state) | \(ms(startup.cold)) | | | \(Measure.format(startup.cold / help, 2)) |")

        print("")
        print("# Emulator resident memory (VmRSS once every token is manufactured and listening)")
        print("| process | VmRSS | per token beyond the first | aim |")
        print("|---|---:|---:|---|")
        if let idle = try? idleResidentMemory(binary: binary) {
            print("| `ukey emulator events` (reference: same binary, idle, no token) | \(Measure.format(idle / 1_048_576, 1)) MB | | |")
        }
        var one: Double = 0
        for (count, aim) in [(1, "< 20 MB"), (100, ""), (1_000, "< 200 MB")] {
            let (bytes, seconds) = try residentMemory(binary: binary, tokens: count)
            if count == 1 { one = bytes }
            let perToken = count == 1 ? "(reference)" : Measure.format((bytes - one) / Double(count - 1) / 1024, 1) + " KB"
            print("| `ukey emulator run --tokens \(count)` | \(Measure.format(bytes / 1_048_576, 1)) MB | \(perToken) | \(aim)\(aim.isEmpty ? "" : bytes / 1_048_576 < (count == 1 ? 20 : 200) ? " ✓" : " ✗") (start \(Measure.format(seconds, 2)) s) |")
        }
    }

    /// p50 / p99 and rate of `count` calls of `body`.
    static func latency(count: Int, _ body: () throws -> Void) rethrows -> Latency {
        var samples: [Double] = []
        samples.reserveCapacity(count)
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<count {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        samples.sort()
        let p99 = samples[min(samples.count - 1, Int((Double(samples.count) * 0.99).rounded(.up)) - 1)]
        return Latency(count: count, perSecond: Double(count) / total, p50: samples[samples.count / 2], p99: p99)
    }

    static func check(_ response: [UInt8], _ what: String) throws {
        guard response.suffix(2) == [0x90, 0x00] else { throw BenchError("\(what) answered \(response.suffix(2).hexString)") }
    }

    /// GET DATA and SIGN over the emulator's unix USB/IP listener.
    static func rawUSBIP(binary: String, trivialCount: Int, signCount: Int) throws -> (trivial: Latency, sign: Latency) {
        let directory = try BenchDirectory()
        defer { directory.remove() }
        let emulator = try BenchEmulator(binary: binary, arguments: ["--state", directory.file("state"), "--listen",
                                                                     "unix:" + directory.file("u.sock"), "--confirm", "approve"],
                                         directory: directory)
        defer { emulator.stop() }
        try emulator.waitUntilListening()
        let client = try BenchUSBIPClient(unixPath: directory.file("u.sock"))
        try client.importDevice()
        _ = try client.powerOn()
        try check(client.transmit(select), "SELECT")
        for _ in 0..<200 { try check(client.transmit(getData), "GET DATA") }
        let trivial = try latency(count: trivialCount) { try check(client.transmit(getData), "GET DATA") }
        let pin = Array(BenchEmulator.factoryPIN.utf8), new = Array(newPIN.utf8)
        try check(client.transmit([0x00, 0x24, 0x00, 0x81, UInt8(2 + pin.count + new.count), UInt8(pin.count)] + pin
                                  + [UInt8(new.count)] + new), "CHANGE PIN")
        try check(client.transmit([0x00, 0x47, 0x80, 0x01, 0x03, 0x80, 0x01, 0x01, 0x00]), "GENERATE")
        let digestInfo = [UInt8](hex: "3031300D060960864801650304020105000420")! + [UInt8](repeating: 0x42, count: 32)
        let sign = [0x00, 0x2A, 0x9E, 0x9A, UInt8(digestInfo.count)] + digestInfo + [0x00]
        for _ in 0..<20 { try check(client.transmit(sign), "SIGN") }
        let signs = try latency(count: signCount) { try check(client.transmit(sign), "SIGN") }
        return (trivial, signs)
    }

    /// The same through stock vpcd + a private pcscd, measured by Scripts/vpcd_bench.py.
    static func throughVPCD(binary: String, trivialCount: Int, signCount: Int) throws -> (trivial: Latency, sign: Latency) {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tests/UKeyEmulatorTests/Scripts/vpcd_bench.py").path
        guard FileManager.default.fileExists(atPath: script) else { throw BenchError("\(script) not found") }
        let directory = try BenchDirectory()
        defer { directory.remove() }
        let pcscd = try BenchPCSCD(directory: directory)
        defer { pcscd.stop() }
        let emulator = try BenchEmulator(binary: binary, arguments: ["--state", directory.file("state"), "--listen",
                                                                     "unix:" + directory.file("u.sock"), "--confirm", "approve",
                                                                     "--vpcd", "127.0.0.1:\(pcscd.port)"],
                                         directory: directory)
        defer { emulator.stop() }
        try emulator.waitUntilListening()
        let environment = pcscd.environment.merging(["UKEY_PIN": BenchEmulator.factoryPIN, "UKEY_NEW_PIN": newPIN]) { $1 }
        // Wait until the card is in the reader.
        let deadline = Date().addingTimeInterval(20)
        while try runPython([script, "--mode", "trivial", "--count", "1", "--warmup", "0"], environment: environment).status != 0 {
            guard Date() < deadline else { throw BenchError("no card in the vpcd reader after 20 s") }
            usleep(100_000)
        }
        let run = try runPython([script, "--mode", "all", "--count", "\(trivialCount)", "--sign-count", "\(signCount)"],
                                environment: environment)
        guard run.status == 0, let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: [String: Double]],
              let trivial = json["trivial"], let sign = json["sign"] else { throw BenchError("vpcd_bench.py failed: \(run.stdout)") }
        func latency(_ values: [String: Double]) -> Latency {
            Latency(count: Int(values["count"] ?? 0), perSecond: values["apdus_per_second"] ?? 0,
                    p50: (values["p50_ms"] ?? 0) / 1000, p99: (values["p99_ms"] ?? 0) / 1000)
        }
        return (latency(trivial), latency(sign))
    }

    static func runPython(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = arguments
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Start-up to the first ATR: once on a new state directory (cold), then `runs` times on it.
    static func startupToATR(binary: String, runs: Int) throws -> (samples: [Double], cold: Double, help: [Double]) {
        let directory = try BenchDirectory()
        defer { directory.remove() }
        func once() throws -> Double {
            let emulator = try BenchEmulator(binary: binary, arguments: ["--state", directory.file("state"), "--listen",
                                                                         "unix:" + directory.file("u.sock"), "--confirm", "approve"],
                                             directory: directory)
            defer { emulator.stop() }
            try emulator.waitUntilListening()
            let client = try BenchUSBIPClient(unixPath: directory.file("u.sock"))
            try client.importDevice()
            _ = try client.powerOn()
            return Double(DispatchTime.now().uptimeNanoseconds - emulator.startedAt) / 1e9
        }
        let cold = try once()
        var samples: [Double] = [], help: [Double] = []
        for _ in 0..<runs {
            samples.append(try once())
            help.append(try spawnAndWait([binary, "--help"]))
        }
        return (samples, cold, help)
    }

    /// Seconds from posix_spawn to waitpid of `arguments` (stdout and stderr to /dev/null).
    /// Foundation's `Process.waitUntilExit` polls its run loop, too coarse for this.
    static func spawnAndWait(_ arguments: [String]) throws -> Double {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let t0 = DispatchTime.now().uptimeNanoseconds
        guard posix_spawn(&pid, arguments[0], &actions, nil, argv, environ) == 0 else { throw BenchError("posix_spawn failed") }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }

    /// VmRSS of `ukey emulator events` (the same binary, idle on the control socket, no token):
    /// the reference for the emulator's memory.
    static func idleResidentMemory(binary: String) throws -> Double {
        let directory = try BenchDirectory()
        defer { directory.remove() }
        let emulator = try BenchEmulator(binary: binary, arguments: ["--state", directory.file("state"), "--listen",
                                                                     "unix:" + directory.file("u.sock"), "--confirm", "approve"],
                                         directory: directory)
        defer { emulator.stop() }
        try emulator.waitUntilListening()
        let events = Process()
        events.executableURL = URL(fileURLWithPath: binary)
        events.arguments = ["emulator", "events", "--state", directory.file("state")]
        events.standardOutput = FileHandle.nullDevice
        events.standardError = FileHandle.nullDevice
        events.standardInput = FileHandle.nullDevice
        try events.run()
        defer {
            kill(events.processIdentifier, SIGKILL)
            events.waitUntilExit()
        }
        usleep(300_000)
        guard events.isRunning,
              let status = try? String(contentsOfFile: "/proc/\(events.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else {
            throw BenchError("ukey emulator events did not stay up")
        }
        return kilobytes * 1024
    }

    /// VmRSS of `ukey emulator run --tokens N` once it listens, and how long it took to get there.
    static func residentMemory(binary: String, tokens: Int) throws -> (bytes: Double, seconds: Double) {
        let directory = try BenchDirectory()
        defer { directory.remove() }
        let emulator = try BenchEmulator(binary: binary, arguments: ["--state", directory.file("state"), "--tokens", "\(tokens)",
                                                                     "--listen", "unix:" + directory.file("u.sock"),
                                                                     "--confirm", "approve"],
                                         directory: directory)
        defer { emulator.stop() }
        try emulator.waitUntilListening(timeout: 300)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - emulator.startedAt) / 1e9
        usleep(200_000)  // let it settle into its reactor loop
        guard let bytes = emulator.residentBytes else { throw BenchError("no VmRSS for the emulator") }
        return (bytes, seconds)
    }
}
