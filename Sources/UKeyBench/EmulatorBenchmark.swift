import Foundation
import ISO7816
#if canImport(Glibc)
import Glibc
#endif

/// Issue 4's benchmark: the emulator (`ukey emulator run`, the binary next to ukey-bench) over
/// raw USB/IP, through stock vpcd + a private pcscd and through our driver (libifd-ukey.so, next
/// to ukey-bench) + a private pcscd, each with a trivial APDU (GET DATA token
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
            print("\n## Emulator: skipped (no `ukey` binary next to ukey-bench; build it: swift build -c release --product ukey)")
            return
        }
        // All three paths stay up (three emulator processes of the same binary, two private
        // pcscds) and are measured in interleaved rounds, so that the noisy neighbours of these
        // shared machines hurt every path alike.
        let rounds = 3
        let raw = try RawPath(binary: binary)
        defer { raw.stop() }
        var vpcdNote: String? = BenchPCSCD.missing
        var vpcdPath: PCSCDPath?
        if vpcdNote == nil {
            do { vpcdPath = try PCSCDPath(binary: binary, driver: false) } catch { vpcdNote = "\(error)" }
        }
        defer { vpcdPath?.stop() }
        var driverNote: String? = BenchPCSCD.driverMissing
        var driverPath: PCSCDPath?
        if driverNote == nil {
            do { driverPath = try PCSCDPath(binary: binary, driver: true) } catch { driverNote = "\(error)" }
        }
        defer { driverPath?.stop() }
        var rawRounds: [(trivial: Latency, sign: Latency)] = [], vpcdRounds = rawRounds, driverRounds = rawRounds
        for _ in 0..<rounds {
            rawRounds.append(try raw.measure(trivialCount: trivialCount / rounds, signCount: signCount / rounds))
            if let path = vpcdPath {
                do { vpcdRounds.append(try path.measure(trivialCount: trivialCount / 2 / rounds, signCount: signCount / rounds)) } catch {
                    vpcdNote = "\(error)"
                    vpcdPath = nil
                    path.stop()
                }
            }
            if let path = driverPath {
                do { driverRounds.append(try path.measure(trivialCount: trivialCount / 2 / rounds, signCount: signCount / rounds)) } catch {
                    driverNote = "\(error)"
                    driverPath = nil
                    path.stop()
                }
            }
        }
        func combined(_ rounds: [(trivial: Latency, sign: Latency)]) -> (trivial: Latency, sign: Latency)? {
            rounds.isEmpty ? nil : (combine(rounds.map(\.trivial)), combine(rounds.map(\.sign)))
        }
        let usbip = combined(rawRounds)!
        let vpcd = vpcdNote == nil ? combined(vpcdRounds) : nil
        let driver = driverNote == nil ? combined(driverRounds) : nil
        print("")
        print("## Emulator APDU round trips (`ukey emulator run` process, one token; pyscard client for both pcscd paths)")
        print("")
        print("\(rounds) interleaved rounds per path; per second over all rounds, p50 / p99 the median of the rounds'.")
        print("")
        print("| path | APDU | round trips | per second | p50 | p99 | p50 ratio to USB/IP GET DATA | per second, driver ÷ vpcd |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        let reference = usbip.trivial.p50
        func row(_ path: String, _ apdu: String, _ l: Latency, _ vsVPCD: String = "") {
            print("| \(path) | \(apdu) | \(l.count) | \(Measure.format(l.perSecond)) | \(Measure.format(l.p50 * 1000, 3)) ms"
                  + " | \(Measure.format(l.p99 * 1000, 3)) ms | \(Measure.format(l.p50 / reference, 2)) | \(vsVPCD) |")
        }
        row("raw USB/IP, unix socket (reference)", "GET DATA", usbip.trivial)
        row("raw USB/IP, unix socket", "RSA-1024 SIGN", usbip.sign)
        if let vpcd {
            row("pyscard → pcscd → vpcd → emulator", "GET DATA", vpcd.trivial, "(reference)")
            row("pyscard → pcscd → vpcd → emulator", "RSA-1024 SIGN", vpcd.sign, "(reference)")
        }
        if let driver {
            func versus(_ ours: Latency, _ theirs: Latency?) -> String {
                guard let theirs else { return "" }
                let ratio = ours.perSecond / theirs.perSecond
                return Measure.format(ratio, 2) + (ratio >= 1 ? " ✓" : " ✗") + " (aim ≥ 1)"
            }
            row("pyscard → pcscd → libifd-ukey.so → USB/IP unix socket → emulator", "GET DATA", driver.trivial,
                versus(driver.trivial, vpcd?.trivial))
            row("pyscard → pcscd → libifd-ukey.so → USB/IP unix socket → emulator", "RSA-1024 SIGN", driver.sign,
                versus(driver.sign, vpcd?.sign))
        }
        if vpcd == nil { print("\nvpcd + pcscd: skipped (\(vpcdNote ?? "unknown"))") }
        if driver == nil { print("\npcscd + libifd-ukey.so: skipped (\(driverNote ?? "unknown"))") }
        if let driver {
            let ratio = driver.trivial.p50 / reference
            print("")
            print("driver GET DATA p50 ÷ raw USB/IP GET DATA p50: \(Measure.format(ratio, 2))× (aim ≤ 2.5×) \(ratio <= 2.5 ? "✓" : "✗")")
            Headlines.add("driver GET DATA p50 latency", ratio: ratio, reference: "raw USB/IP GET DATA p50", aim: ("≤ 2.5×", ratio <= 2.5))
            if let vpcd {
                print("driver ÷ vpcd, per second: GET DATA \(Measure.format(driver.trivial.perSecond / vpcd.trivial.perSecond, 2))×,"
                      + " RSA-1024 SIGN \(Measure.format(driver.sign.perSecond / vpcd.sign.perSecond, 2))×;"
                      + " p50: GET DATA \(Measure.format(driver.trivial.p50 / vpcd.trivial.p50, 2))×,"
                      + " RSA-1024 SIGN \(Measure.format(driver.sign.p50 / vpcd.sign.p50, 2))× (aim ≥ 1× per second)")
                let trivial = driver.trivial.perSecond / vpcd.trivial.perSecond, sign = driver.sign.perSecond / vpcd.sign.perSecond
                Headlines.add("driver GET DATA per second", ratio: trivial, reference: "stock vpcd GET DATA", aim: ("≥ 1", trivial >= 1))
                Headlines.add("driver RSA-1024 SIGN per second", ratio: sign, reference: "stock vpcd SIGN", aim: ("≥ 1", sign >= 1))
            }
        }

        let startup = try startupToATR(binary: binary, runs: 10)
        print("")
        print("## Emulator start-up: process start → connect → OP_REQ_IMPORT → IccPowerOn → ATR (median of \(startup.samples.count))")
        print("")
        print("| measurement | median | min | max | ratio to `ukey --help` |")
        print("|---|---:|---:|---:|---:|")
        func ms(_ seconds: Double) -> String { Measure.format(seconds * 1000, 1) + " ms" }
        let help = Measure.median(startup.help)
        print("| `ukey --help` (reference: process start of the same binary) | \(ms(help)) | \(ms(startup.help.min()!))"
              + " | \(ms(startup.help.max()!)) | 1.00 |")
        print("| first ATR, existing state (aim < 50 ms) | \(ms(Measure.median(startup.samples))) | \(ms(startup.samples.min()!))"
              + " | \(ms(startup.samples.max()!)) | \(Measure.format(Measure.median(startup.samples) / help, 2)) |")
        print("| first ATR, first start (creates the state) | \(ms(startup.cold)) | | | \(Measure.format(startup.cold / help, 2)) |")
        let firstATR = Measure.median(startup.samples)
        Headlines.add("emulator start to first ATR (\(ms(firstATR)))", ratio: firstATR / help, reference: "`ukey --help` process start",
                      aim: ("< 50 ms", firstATR < 0.05))

        print("")
        print("## Emulator resident memory (VmRSS once every token is manufactured and listening)")
        print("")
        print("| process | VmRSS | per token beyond the first | aim |")
        print("|---|---:|---:|---|")
        let idle = try? idleResidentMemory(binary: binary)
        if let idle {
            print("| `ukey emulator events` (reference: same binary, idle, no token) | \(Measure.format(idle / 1_048_576, 1)) MB | | |")
        }
        var one: Double = 0
        for (count, aim) in [(1, "< 20 MB"), (100, ""), (1_000, "< 200 MB")] {
            let (bytes, seconds) = try residentMemory(binary: binary, tokens: count)
            if count == 1 { one = bytes }
            if let idle, count != 100 {
                let megabytes = bytes / 1_048_576, limit: Double = count == 1 ? 20 : 200
                Headlines.add("emulator VmRSS, \(count) token(s) (\(Measure.format(megabytes, 1)) MB)", ratio: bytes / idle,
                              reference: "idle `ukey emulator events`", aim: ("< \(Int(limit)) MB", megabytes < limit))
            }
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

    /// Combines rounds of one path: APDUs per second over the rounds' total time; p50 and p99
    /// are the medians of the rounds' p50 and p99.
    static func combine(_ rounds: [Latency]) -> Latency {
        let count = rounds.reduce(0) { $0 + $1.count }
        let seconds = rounds.reduce(0.0) { $0 + Double($1.count) / $1.perSecond }
        return Latency(count: count, perSecond: Double(count) / seconds, p50: Measure.median(rounds.map(\.p50)),
                       p99: Measure.median(rounds.map(\.p99)))
    }

    /// The emulator over its unix USB/IP listener, driven by ``BenchUSBIPClient`` in this
    /// process: SELECT, PIN changed and an RSA-1024 key generated once, then measured rounds.
    final class RawPath {
        let directory: BenchDirectory
        let emulator: BenchEmulator
        let client: BenchUSBIPClient
        let sign: [UInt8]

        init(binary: String) throws {
            let directory = try BenchDirectory()
            let emulator = try BenchEmulator(binary: binary, arguments: ["--state", directory.file("state"), "--listen",
                                                                         "unix:" + directory.file("u.sock"), "--confirm", "approve"],
                                             directory: directory)
            self.directory = directory
            self.emulator = emulator
            do {
                try emulator.waitUntilListening()
                client = try BenchUSBIPClient(unixPath: directory.file("u.sock"))
                try client.importDevice()
                _ = try client.powerOn()
                try check(client.transmit(select), "SELECT")
                for _ in 0..<200 { try check(client.transmit(getData), "GET DATA") }
                let pin = Array(BenchEmulator.factoryPIN.utf8), new = Array(newPIN.utf8)
                try check(client.transmit([0x00, 0x24, 0x00, 0x81, UInt8(2 + pin.count + new.count), UInt8(pin.count)] + pin
                                          + [UInt8(new.count)] + new), "CHANGE PIN")
                try check(client.transmit([0x00, 0x47, 0x80, 0x02, 0x03, 0x80, 0x01, 0x01, 0x00]), "GENERATE")   // the authentication key: SIGN
                let digestInfo = [UInt8](hex: "3031300D060960864801650304020105000420")! + [UInt8](repeating: 0x42, count: 32)
                sign = [0x00, 0x2A, 0x9E, 0x9A, UInt8(digestInfo.count)] + digestInfo + [0x00]
                for _ in 0..<20 { try check(client.transmit(sign), "SIGN") }
            } catch {
                emulator.stop()
                directory.remove()
                throw error
            }
        }

        func measure(trivialCount: Int, signCount: Int) throws -> (trivial: Latency, sign: Latency) {
            let trivial = try latency(count: trivialCount) { try check(client.transmit(getData), "GET DATA") }
            let signs = try latency(count: signCount) { try check(client.transmit(sign), "SIGN") }
            return (trivial, signs)
        }

        func stop() {
            emulator.stop()
            directory.remove()
        }
    }

    /// The emulator behind a private pcscd, measured by Scripts/vpcd_bench.py (pyscard): with
    /// stock vpcd (the emulator connects to vpcd), or with our driver (pcscd loads
    /// libifd-ukey.so, which imports the token over the emulator's unix USB/IP socket in the
    /// bench's /tmp directory — pcscd's namespace hides only /run).
    final class PCSCDPath {
        static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tests/UKeyEmulatorTests/Scripts/vpcd_bench.py").path
        let directory: BenchDirectory
        let emulator: BenchEmulator
        let pcscd: BenchPCSCD
        var environment: [String: String]

        init(binary: String, driver: Bool) throws {
            guard FileManager.default.fileExists(atPath: Self.script) else { throw BenchError("\(Self.script) not found") }
            directory = try BenchDirectory()
            let directory = directory
            let socket = directory.file("u.sock")
            var arguments = ["--state", directory.file("state"), "--listen", "unix:" + socket, "--confirm", "approve"]
            if driver {
                // The token must be listening before pcscd opens the reader.
                emulator = try BenchEmulator(binary: binary, arguments: arguments, directory: directory)
                do {
                    try emulator.waitUntilListening()
                    pcscd = try BenchPCSCD(directory: directory, driverDevice: "usbip:unix:\(socket)/1-1")
                } catch {
                    emulator.stop()
                    directory.remove()
                    throw error
                }
            } else {
                do { pcscd = try BenchPCSCD(directory: directory) } catch {
                    directory.remove()
                    throw error
                }
                arguments += ["--vpcd", "127.0.0.1:\(pcscd.port)"]
                do { emulator = try BenchEmulator(binary: binary, arguments: arguments, directory: directory) } catch {
                    pcscd.stop()
                    directory.remove()
                    throw error
                }
            }
            environment = pcscd.environment.merging(["UKEY_PIN": BenchEmulator.factoryPIN, "UKEY_NEW_PIN": newPIN]) { $1 }
            do {
                try emulator.waitUntilListening()
                // Wait until the card is in the reader.
                let deadline = Date().addingTimeInterval(20)
                while try runPython([Self.script, "--mode", "trivial", "--count", "1", "--warmup", "0"], environment: environment)
                    .status != 0
                {
                    guard Date() < deadline else { throw BenchError("no card in the \(pcscd.readerName) reader after 20 s") }
                    usleep(100_000)
                }
            } catch {
                stop()
                throw error
            }
        }

        func measure(trivialCount: Int, signCount: Int) throws -> (trivial: Latency, sign: Latency) {
            let run = try runPython([Self.script, "--mode", "all", "--count", "\(trivialCount)", "--sign-count", "\(signCount)"],
                                    environment: environment)
            guard run.status == 0, let json = try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: [String: Double]],
                  let trivial = json["trivial"], let sign = json["sign"] else {
                throw BenchError("vpcd_bench.py (\(pcscd.readerName)) failed: \(run.stdout)")
            }
            // The first run changed the factory PIN; later runs verify the new one.
            environment["UKEY_PIN"] = newPIN
            func latency(_ values: [String: Double]) -> Latency {
                Latency(count: Int(values["count"] ?? 0), perSecond: values["apdus_per_second"] ?? 0,
                        p50: (values["p50_ms"] ?? 0) / 1000, p99: (values["p99_ms"] ?? 0) / 1000)
            }
            return (latency(trivial), latency(sign))
        }

        func stop() {
            pcscd.stop()
            emulator.stop()
            directory.remove()
        }
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
